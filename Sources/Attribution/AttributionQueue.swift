import Flows
import SensorCore

/// Holds finished flows until their owner is known, for feeds that arrive after the packets
/// (live use): a flow is released as soon as it matches exactly, or once `lag` has passed
/// since it ended (packet time), with whatever attribution it has then. Release order is
/// arrival order among the flows released together.
public final class AttributionQueue {
    /// How long a flow waits for its owner, nanoseconds of packet time.
    public let lag: Int64
    /// Flows held at most; past it the oldest are released early (counted).
    public let capacity: Int
    private let correlator: Correlator
    private var waiting: [FlowRecord] = []
    private var head = 0
    /// Flows released before their lag was up because the queue was full.
    public private(set) var releasedEarly: UInt64 = 0

    public init(correlator: Correlator, lagSeconds: Double, capacity: Int = 1_000_000) {
        self.correlator = correlator
        self.lag = Int64(max(0, min(lagSeconds, 86_400)) * 1e9)
        self.capacity = max(1, capacity)
    }

    /// Flows waiting.
    public var count: Int { waiting.count - head }

    private var lastRelease = Int64.min
    /// Packet time between two passes over the waiting flows, nanoseconds.
    static let releaseInterval: Int64 = 1_000_000_000

    /// Takes a finished flow; returns the flows ready at `now`. With no lag the flow is
    /// attributed at once; otherwise the waiting flows are looked at once per second of packet time.
    public func push(_ r: FlowRecord, now: Timestamp) -> [(FlowRecord, Attribution)] {
        if lag == 0 { return [(r, correlator.attribute(r))] }
        waiting.append(r)
        var ready: [(FlowRecord, Attribution)] = []
        if count > capacity {
            let oldest = waiting[head]
            head += 1
            releasedEarly += 1
            ready.append((oldest, correlator.attribute(oldest)))
        }
        // Also when packet time went backwards (a clock step, a hostile timestamp).
        if lastRelease == .min || now.nanoseconds < lastRelease || now.nanoseconds.subtractingReportingOverflow(lastRelease).partialValue >= AttributionQueue.releaseInterval {
            ready += release(now: now)
        } else if head > waiting.count / 2 {
            waiting.removeFirst(head)
            head = 0
        }
        return ready
    }

    /// Flows ready at `now`: matched exactly, or waited `lag` since they ended.
    public func release(now: Timestamp) -> [(FlowRecord, Attribution)] {
        lastRelease = now.nanoseconds
        var ready: [(FlowRecord, Attribution)] = []
        var kept: [FlowRecord] = []
        for r in waiting[head...] {
            let a = correlator.attribute(r)
            let (waited, overflow) = now.nanoseconds.subtractingReportingOverflow(r.end.nanoseconds)
            if a.method == .exact || overflow || waited >= lag {
                ready.append((r, a))
            } else {
                kept.append(r)
            }
        }
        waiting = kept
        head = 0
        return ready
    }

    /// Every flow still waiting, attributed with what is known now (end of input).
    public func drain() -> [(FlowRecord, Attribution)] {
        let all = waiting[head...].map { ($0, correlator.attribute($0)) }
        waiting = []
        head = 0
        return all
    }
}

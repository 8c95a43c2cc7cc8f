import Flows
import SensorCore

/// The attribution stage of a run: attributes each finished flow through the correlator and
/// keeps the coverage summary of the final (not interim) records. With a `lag` (the live
/// sensor, whose feeds arrive after the packets) finished flows wait in an `AttributionQueue`
/// for their owner's records.
public final class FlowAttributor {
    public let correlator: Correlator
    public private(set) var summary = AttributionSummary()
    /// Flows waiting for their owner (nil: attributed at once).
    public let queue: AttributionQueue?

    public init(correlator: Correlator, lagSeconds: Double = 0) {
        self.correlator = correlator
        queue = lagSeconds > 0 ? AttributionQueue(correlator: correlator, lagSeconds: lagSeconds) : nil
    }

    /// The flow's attribution; interim records are attributed but not counted in the summary.
    public func attribute(_ r: FlowRecord) -> Attribution {
        let a = correlator.attribute(r)
        if !r.interim { summary.note(r, a) }
        return a
    }

    /// Takes a finished (not interim) flow at packet time `now`; returns the flows whose
    /// attribution is settled (this one at once when there is no lag).
    public func settle(_ r: FlowRecord, now: Timestamp) -> [(FlowRecord, Attribution)] {
        guard let queue else { return [(r, attribute(r))] }
        return noted(queue.push(r, now: now))
    }

    /// The waiting flows settled by `now` (a quiet link: no flow ended, time went on).
    public func release(now: Timestamp) -> [(FlowRecord, Attribution)] {
        queue.map { noted($0.release(now: now)) } ?? []
    }

    /// Every waiting flow, with what is known now (end of input, stop).
    public func drain() -> [(FlowRecord, Attribution)] {
        queue.map { noted($0.drain()) } ?? []
    }

    private func noted(_ settled: [(FlowRecord, Attribution)]) -> [(FlowRecord, Attribution)] {
        for (r, a) in settled { summary.note(r, a) }
        return settled
    }
}

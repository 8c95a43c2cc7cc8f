import Attribution
import Synchronization

/// Hands feed records from the service's threads to the capture loop, which owns the
/// correlator: `submit` returns once the loop has ingested them (the service acknowledges
/// only then), or false when the sensor is stopping.
public final class FeedInbox: Sendable {
    private struct Waiting {
        var records: [FeedRecord]
        var done: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var waiting: [Waiting] = []
        var closed = false
    }
    private let state = Mutex(State())
    private let pending = Atomic<Bool>(false)

    public init() {}

    /// True when records wait (a cheap check for the loop, once per packet).
    public var hasPending: Bool { pending.load(ordering: .relaxed) }

    /// Waits until the capture loop has ingested `records`; false when the sensor stopped first.
    public func submit(_ records: [FeedRecord]) async -> Bool {
        await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            let accepted = state.withLock { s -> Bool in
                guard !s.closed else { return false }
                s.waiting.append(Waiting(records: records, done: done))
                pending.store(true, ordering: .relaxed)
                return true
            }
            if !accepted { done.resume(returning: false) }
        }
    }

    /// On the capture loop: ingests everything waiting, then releases its submitters.
    public func deliver(_ ingest: ([FeedRecord]) -> Void) {
        let batch = state.withLock { s -> [Waiting] in
            pending.store(false, ordering: .relaxed)
            defer { s.waiting = [] }
            return s.waiting
        }
        for w in batch { ingest(w.records) }
        for w in batch { w.done.resume(returning: true) }
    }

    /// The sensor stops: later submits fail at once; those waiting are delivered by a last
    /// `deliver` or, when none comes, failed here.
    public func close() {
        let left = state.withLock { s -> [Waiting] in
            s.closed = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for w in left { w.done.resume(returning: false) }
    }
}

/// How late one feed source's batches reached the live sensor: seconds from a batch's newest
/// record (stamped by the endpoint's clock, so its skew is included) to its arrival (the
/// sensor's wall clock). Files read offline have no arrival time and no lag.
public struct FeedLag: Sendable, Equatable {
    /// The endpoint's token name, or `osquery`.
    public var source: String
    public var batches = 0
    public var totalSeconds = 0.0
    public var maximumSeconds = 0.0
    public var lastSeconds = 0.0
    /// Batches later than `attribution_lag`: the flows they could explain were already settled
    /// without them.
    public var lateBatches = 0

    public var meanSeconds: Double { batches == 0 ? 0 : totalSeconds / Double(batches) }

    public init(source: String) { self.source = source }

    /// Adds one batch `seconds` late; it is late for attribution past `attributionLag` seconds.
    public mutating func add(_ seconds: Double, attributionLag: Double) {
        let s = seconds.isFinite ? max(0, seconds) : 0
        batches += 1
        totalSeconds += s
        maximumSeconds = max(maximumSeconds, s)
        lastSeconds = s
        if s > attributionLag { lateBatches += 1 }
    }
}

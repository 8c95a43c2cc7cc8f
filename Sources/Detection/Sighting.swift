/// When something was first and last seen (a destination by any host, a host's plain DNS),
/// nanoseconds since 1970.
public struct Sighting: Sendable, Equatable {
    public var first: Int64
    public var last: Int64

    public init(first: Int64, last: Int64) {
        self.first = first
        self.last = max(first, last)
    }

    /// Seen once, at `time`.
    public init(at time: Int64) {
        self.init(first: time, last: time)
    }

    /// Widened to cover `other`.
    public mutating func merge(_ other: Sighting) {
        first = min(first, other.first)
        last = max(last, other.last)
    }
}

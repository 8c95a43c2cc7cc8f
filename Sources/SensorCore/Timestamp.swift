/// A capture timestamp: nanoseconds since the Unix epoch (UTC), in packet time.
public struct Timestamp: Comparable, Hashable, Sendable {
    /// Nanoseconds since 1970-01-01T00:00:00Z. Negative values are before the epoch.
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// Builds a timestamp from whole seconds and a sub-second part in nanoseconds.
    @inlinable public init(seconds: Int64, nanoseconds sub: Int64) {
        self.nanoseconds = seconds &* 1_000_000_000 &+ sub
    }

    @inlinable public static var zero: Timestamp { Timestamp(nanoseconds: 0) }

    /// Whole seconds since the epoch (floor).
    @inlinable public var seconds: Int64 {
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return r < 0 ? q - 1 : q
    }

    /// The sub-second part, 0 ..< 1_000_000_000 nanoseconds.
    @inlinable public var subsecondNanoseconds: Int64 {
        let r = nanoseconds % 1_000_000_000
        return r < 0 ? r + 1_000_000_000 : r
    }

    /// Seconds since the epoch as a Double (for logs and JSON).
    @inlinable public var secondsDouble: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The signed distance `self - other`, in nanoseconds.
    @inlinable public func nanoseconds(since other: Timestamp) -> Int64 { nanoseconds &- other.nanoseconds }
}

/// Fixed counters, one per `Weird` case. Allocated once; counting never allocates.
public struct Weirds: Sendable {
    @usableFromInline var storage: [UInt64]
    /// Weirds noted so far, all kinds together (a running count, cheap to compare).
    public var noted: UInt64 = 0
    /// The most recent weird noted.
    public var last: Weird? = nil
    /// One counter per `Weird` case, indexed by raw value.
    public var counts: [UInt64] { storage }

    public init() { storage = Array(repeating: 0, count: Weird.allCases.count) }

    /// Counts one occurrence of `weird`.
    @inlinable public mutating func note(_ weird: Weird) {
        storage[Int(weird.rawValue)] &+= 1
        noted &+= 1
        last = weird
    }

    /// Occurrences of `weird` so far.
    @inlinable public subscript(_ weird: Weird) -> UInt64 { counts[Int(weird.rawValue)] }

    /// All occurrences of every kind.
    public var total: UInt64 { counts.reduce(0, &+) }

    /// Non-zero counters, in declaration order.
    public var nonZero: [(Weird, UInt64)] {
        Weird.allCases.compactMap { counts[Int($0.rawValue)] > 0 ? ($0, counts[Int($0.rawValue)]) : nil }
    }

}

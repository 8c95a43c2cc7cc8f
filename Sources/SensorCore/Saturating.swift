/// Time arithmetic that cannot trap: packet and feed times can be anything an attacker writes
/// into a capture, so sums and differences of nanosecond values saturate at the Int64 bounds.
public enum Saturating {
    @inlinable public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : r
    }

    @inlinable public static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : r
    }

    /// Seconds as nanoseconds, clamped to the Int64 range (NaN is 0).
    @inlinable public static func nanoseconds(_ seconds: Double) -> Int64 {
        let ns = seconds * 1e9
        guard ns.isFinite else { return ns.isNaN ? 0 : (ns > 0 ? .max : .min) }
        if ns >= 9.2e18 { return .max }
        if ns <= -9.2e18 { return .min }
        return Int64(ns)
    }

    /// a - b in seconds, as a Double (never traps).
    @inlinable public static func seconds(_ a: Int64, minus b: Int64) -> Double { (Double(a) - Double(b)) / 1e9 }
}

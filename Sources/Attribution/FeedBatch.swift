import SensorCore

/// What an adapter made of one document: records, the rows it skipped (with reasons), and
/// rows it recognised as of no use for attribution (other osquery tables, other ECS events).
struct FeedBatch {
    var records: [FeedRecord] = []
    var problems: [String] = []
    var ignored = 0
}

/// Field readers shared by the adapters; each returns nil for a missing or malformed value.
enum FeedField {
    /// An address from text: IPv4, IPv6 (optionally in brackets, with a zone), IPv4-mapped IPv6
    /// (as the IPv4 address flows carry). Empty text and the unspecified address (0.0.0.0, ::,
    /// a wildcard bind) are nil.
    static func address(_ v: JSONValue?) -> IPAddress? {
        guard var s = v?.text.map({ String($0.trimmingSpaces) }), !s.isEmpty else { return nil }
        if s.hasPrefix("["), s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        if let percent = s.firstIndex(of: "%") { s = String(s[..<percent]) }
        return IPAddress(s).flatMap(normalized)
    }

    /// An IPv4-mapped IPv6 address as IPv4; nil for an unspecified address.
    static func normalized(_ a: IPAddress) -> IPAddress? {
        var a = a
        if !a.isIPv4, a.value >> 32 == IPAddress.mappedPrefix >> 32 { a = IPAddress(ipv4: UInt32(truncatingIfNeeded: a.value)) }
        if a.value == 0 || (a.isIPv4 && a.ipv4 == 0) { return nil }
        return a
    }

    /// A port 0...65535.
    static func port(_ v: JSONValue?) -> UInt16? {
        guard let n = v?.integer, n >= 0, n <= 65_535 else { return nil }
        return UInt16(n)
    }

    /// A pid or ppid 0...Int32.max.
    static func pid(_ v: JSONValue?) -> Int32? {
        guard let n = v?.integer, n >= 0, n <= Int64(Int32.max) else { return nil }
        return Int32(n)
    }

    /// A transport from a name ("tcp", "udp", any case) or an IP protocol number (6, 17).
    static func transport(_ v: JSONValue?) -> UInt8? {
        guard let v else { return nil }
        if let n = v.integer { return [1, 6, 17, 58].contains(n) ? UInt8(n) : nil }
        switch v.text?.lowercased() {
        case "tcp", "tcp4", "tcp6": return 6
        case "udp", "udp4", "udp6": return 17
        case "icmp": return 1
        case "icmpv6", "icmp6", "ipv6-icmp": return 58
        default: return nil
        }
    }

    /// Non-empty text, at most 4 KiB (longer text is cut, never rejected).
    static func text(_ v: JSONValue?) -> String? {
        guard let s = v?.text, !s.isEmpty else { return nil }
        return s.utf8.count <= 4096 ? s : String(decoding: s.utf8.prefix(4096), as: UTF8.self)
    }
}

import SensorCore

/// A set of CIDR blocks (`local_networks`) with a membership test.
public struct NetworkSet: Sendable {
    struct Block: Sendable {
        var high: UInt64, low: UInt64
        var maskHigh: UInt64, maskLow: UInt64
    }
    private var blocks: [Block] = []

    public init() {}

    /// Parses "10.0.0.0/8", "fc00::/7" or a single address; nil when malformed.
    public init?(_ cidrs: [String]) {
        for text in cidrs {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
            let maxBits = address.isIPv4 ? 32 : 128
            var bits = maxBits
            if parts.count == 2 {
                guard let b = Int(parts[1]), b >= 0, b <= maxBits else { return nil }
                bits = b
            }
            if address.isIPv4 { bits += 96 }  // IPv4 lives in ::ffff:0:0/96
            let maskHigh: UInt64 = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~0 << (64 - bits))
            let lowBits = max(0, bits - 64)
            let maskLow: UInt64 = lowBits >= 64 ? ~0 : (lowBits == 0 ? 0 : ~0 << (64 - lowBits))
            blocks.append(Block(high: address.high & maskHigh, low: address.low & maskLow,
                                maskHigh: maskHigh, maskLow: maskLow))
        }
    }

    /// True when `address` is inside one of the blocks.
    @inlinable public func contains(_ address: IPAddress) -> Bool {
        containsAddress(high: address.high, low: address.low)
    }

    @usableFromInline func containsAddress(high: UInt64, low: UInt64) -> Bool {
        for b in blocks where high & b.maskHigh == b.high && low & b.maskLow == b.low { return true }
        return false
    }

    /// DESIGN.md's default `local_networks`: RFC 1918, 100.64/10 (CGNAT), fc00::/7 and link-local.
    public static let defaultLocal = NetworkSet([
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
        "fc00::/7", "fe80::/10",
    ])!

    /// Zeek's `Site::private_address_space`, which Zeek counts as local by default.
    public static let zeekPrivate = NetworkSet([
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/24", "239.0.0.0/8", "240.0.0.0/4", "255.255.255.255/32",
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:2::/48", "2001:db8::/32",
        "fc00::/7", "fe80::/10", "fec0::/10",
        "2002:0000::/24", "2002:0a00::/24", "2002:6440::/26", "2002:7f00::/24", "2002:a9fe::/32",
        "2002:ac10::/28", "2002:c000::/40", "2002:c000:0200::/40", "2002:c0a8::/32", "2002:c612::/31",
        "2002:c633:6400::/40", "2002:cb00:7100::/40", "2002:e000::/40", "2002:ef00::/24", "2002:f000::/20",
        "2002:ffff:ffff::/48",
    ])!
}

import SensorCore

/// A flow's identity, independent of direction: the lower (address, port) endpoint first.
/// For ICMP the "ports" are Zeek's: the type and its counterpart type (or the code).
/// Addresses are stored as bare words (40 bytes in all; see FlowMemoryTests).
public struct FlowKey: Hashable, Sendable {
    var lowHigh: UInt64, lowLow: UInt64
    var highHigh: UInt64, highLow: UInt64
    public var lowPort: UInt16
    public var highPort: UInt16
    /// The outer 802.1Q VLAN id (0 when untagged).
    public var vlan: UInt16
    public var proto: UInt8
    /// Both addresses are IPv4 (a flow never mixes versions).
    var isIPv4: Bool

    public var lowAddress: IPAddress {
        var a = IPAddress(ipv6High: lowHigh, low: lowLow); a.isIPv4 = isIPv4; return a
    }
    public var highAddress: IPAddress {
        var a = IPAddress(ipv6High: highHigh, low: highLow); a.isIPv4 = isIPv4; return a
    }

    /// Builds the canonical key and says whether `source` is the low endpoint.
    public static func make(source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                            destinationPort: UInt16, proto: UInt8, vlan: UInt16) -> (FlowKey, sourceIsLow: Bool) {
        let sourceIsLow = source < destination || (source == destination && sourcePort <= destinationPort)
        let (l, lp, h, hp) = sourceIsLow ? (source, sourcePort, destination, destinationPort)
                                         : (destination, destinationPort, source, sourcePort)
        return (FlowKey(lowHigh: l.high, lowLow: l.low, highHigh: h.high, highLow: h.low,
                        lowPort: lp, highPort: hp, vlan: vlan, proto: proto, isIPv4: source.isIPv4), sourceIsLow)
    }
}

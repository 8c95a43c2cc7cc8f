import SensorCore

/// A flow's identity, independent of direction: the lower (address, port) endpoint first.
/// For ICMP the "ports" are Zeek's: the type and its counterpart type (or the code).
public struct FlowKey: Hashable, Sendable {
    public var lowAddress: IPAddress
    public var highAddress: IPAddress
    public var lowPort: UInt16
    public var highPort: UInt16
    public var proto: UInt8
    /// The outer 802.1Q VLAN id (0 when untagged).
    public var vlan: UInt16

    /// Builds the canonical key and says whether `source` is the low endpoint.
    public static func make(source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                            destinationPort: UInt16, proto: UInt8, vlan: UInt16) -> (FlowKey, sourceIsLow: Bool) {
        let sourceIsLow = source < destination || (source == destination && sourcePort <= destinationPort)
        if sourceIsLow {
            return (FlowKey(lowAddress: source, highAddress: destination, lowPort: sourcePort,
                            highPort: destinationPort, proto: proto, vlan: vlan), true)
        }
        return (FlowKey(lowAddress: destination, highAddress: source, lowPort: destinationPort,
                        highPort: sourcePort, proto: proto, vlan: vlan), false)
    }
}

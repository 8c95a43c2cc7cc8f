import SensorCore

/// Identifies the datagram a fragment belongs to (RFC 791 section 3.2; RFC 8200 section 4.5).
public struct FragmentKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var identification: UInt32
    /// IPv4's protocol; 0 for IPv6, whose key has none.
    public var proto: UInt8
    public var isIPv6: Bool
}

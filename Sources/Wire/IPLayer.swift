import SensorCore

/// The addresses and protocol of one IP header in a packet.
public struct IPLayer: Equatable, Sendable {
    /// 4 or 6; 0 when the packet has no such layer.
    public var version: UInt8 = 0
    public var source: IPAddress = .unspecified
    public var destination: IPAddress = .unspecified
    /// The protocol field of the fixed header (IPv6: its Next Header, before extension headers).
    public var headerProtocol = IPProtocol(rawValue: 0)
    /// The upper-layer protocol after IPv6 extension headers (equal to `headerProtocol` for IPv4).
    public var upperProtocol = IPProtocol(rawValue: 0)

    public init() {}
}

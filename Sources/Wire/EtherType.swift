/// An Ethernet type (IEEE 802 numbers). An open set.
public struct EtherType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let none = EtherType(rawValue: 0)
    public static let ipv4 = EtherType(rawValue: 0x0800)
    public static let arp = EtherType(rawValue: 0x0806)
    public static let vlan = EtherType(rawValue: 0x8100)
    public static let ipv6 = EtherType(rawValue: 0x86DD)
    public static let mplsUnicast = EtherType(rawValue: 0x8847)
    public static let mplsMulticast = EtherType(rawValue: 0x8848)
    public static let pppoeSession = EtherType(rawValue: 0x8864)
    public static let qinq = EtherType(rawValue: 0x88A8)
    public static let pbb = EtherType(rawValue: 0x88E7)
    public static let transparentEthernet = EtherType(rawValue: 0x6558)
    public static let erspan2 = EtherType(rawValue: 0x88BE)
    public static let erspan3 = EtherType(rawValue: 0x22EB)
    public static let ppp = EtherType(rawValue: 0x880B)
    public static let vlanLegacy9100 = EtherType(rawValue: 0x9100)
    public static let vlanLegacy9200 = EtherType(rawValue: 0x9200)
}

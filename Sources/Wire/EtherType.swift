/// An Ethernet type (IEEE 802 numbers). An open set.
public struct EtherType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    // Computed constants: a stored static costs other modules a call and a once-check per use.
    @inlinable public static var none: EtherType { EtherType(rawValue: 0) }
    @inlinable public static var ipv4: EtherType { EtherType(rawValue: 0x0800) }
    @inlinable public static var arp: EtherType { EtherType(rawValue: 0x0806) }
    @inlinable public static var vlan: EtherType { EtherType(rawValue: 0x8100) }
    @inlinable public static var ipv6: EtherType { EtherType(rawValue: 0x86DD) }
    @inlinable public static var mplsUnicast: EtherType { EtherType(rawValue: 0x8847) }
    @inlinable public static var mplsMulticast: EtherType { EtherType(rawValue: 0x8848) }
    @inlinable public static var pppoeSession: EtherType { EtherType(rawValue: 0x8864) }
    @inlinable public static var qinq: EtherType { EtherType(rawValue: 0x88A8) }
    @inlinable public static var pbb: EtherType { EtherType(rawValue: 0x88E7) }
    @inlinable public static var transparentEthernet: EtherType { EtherType(rawValue: 0x6558) }
    @inlinable public static var erspan2: EtherType { EtherType(rawValue: 0x88BE) }
    @inlinable public static var erspan3: EtherType { EtherType(rawValue: 0x22EB) }
    @inlinable public static var ppp: EtherType { EtherType(rawValue: 0x880B) }
    @inlinable public static var vlanLegacy9100: EtherType { EtherType(rawValue: 0x9100) }
    @inlinable public static var vlanLegacy9200: EtherType { EtherType(rawValue: 0x9200) }
}

/// A libpcap link-layer header type (LINKTYPE_/DLT_ value), as found in a pcap
/// file header or a pcapng Interface Description Block. An open set: unknown
/// values stay values.
public struct LinkType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    // Computed constants: a stored static costs other modules a call and a once-check per use.
    /// BSD loopback: 4-byte address family in the capturing host's byte order.
    @inlinable public static var null: LinkType { LinkType(rawValue: 0) }
    /// IEEE 802.3 Ethernet.
    @inlinable public static var ethernet: LinkType { LinkType(rawValue: 1) }
    /// Raw IP as DLT 12 on most platforms (libpcap maps it to 101 in files).
    @inlinable public static var rawDLT12: LinkType { LinkType(rawValue: 12) }
    /// Raw IP as DLT 14 on some BSDs.
    @inlinable public static var rawDLT14: LinkType { LinkType(rawValue: 14) }
    /// Raw IPv4 or IPv6, version from the first nibble.
    @inlinable public static var raw: LinkType { LinkType(rawValue: 101) }
    /// OpenBSD loopback: 4-byte address family in network byte order.
    @inlinable public static var loop: LinkType { LinkType(rawValue: 108) }
    /// Linux "cooked" capture, version 1 (16-byte header).
    @inlinable public static var linuxSLL: LinkType { LinkType(rawValue: 113) }
    /// 802.11 with a radiotap header.
    @inlinable public static var ieee80211Radiotap: LinkType { LinkType(rawValue: 127) }
    /// Raw IPv4 only.
    @inlinable public static var ipv4: LinkType { LinkType(rawValue: 228) }
    /// Raw IPv6 only.
    @inlinable public static var ipv6: LinkType { LinkType(rawValue: 229) }
    /// Linux "cooked" capture, version 2 (20-byte header).
    @inlinable public static var linuxSLL2: LinkType { LinkType(rawValue: 276) }

    /// A short stable name for output ("EN10MB", "LINUX_SLL2", or "DLT_<n>").
    public var name: String {
        switch rawValue {
        case 0: "NULL"
        case 1: "EN10MB"
        case 12, 14, 101: "RAW"
        case 108: "LOOP"
        case 113: "LINUX_SLL"
        case 127: "IEEE802_11_RADIO"
        case 228: "IPV4"
        case 229: "IPV6"
        case 276: "LINUX_SLL2"
        default: "DLT_\(rawValue)"
        }
    }
}

/// A libpcap link-layer header type (LINKTYPE_/DLT_ value), as found in a pcap
/// file header or a pcapng Interface Description Block. An open set: unknown
/// values stay values.
public struct LinkType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// IEEE 802.3 Ethernet.
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IP as DLT 12 on most platforms (libpcap maps it to 101 in files).
    public static let rawDLT12 = LinkType(rawValue: 12)
    /// Raw IP as DLT 14 on some BSDs.
    public static let rawDLT14 = LinkType(rawValue: 14)
    /// Raw IPv4 or IPv6, version from the first nibble.
    public static let raw = LinkType(rawValue: 101)
    /// OpenBSD loopback: 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// Linux "cooked" capture, version 1 (16-byte header).
    public static let linuxSLL = LinkType(rawValue: 113)
    /// 802.11 with a radiotap header.
    public static let ieee80211Radiotap = LinkType(rawValue: 127)
    /// Raw IPv4 only.
    public static let ipv4 = LinkType(rawValue: 228)
    /// Raw IPv6 only.
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux "cooked" capture, version 2 (20-byte header).
    public static let linuxSLL2 = LinkType(rawValue: 276)

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

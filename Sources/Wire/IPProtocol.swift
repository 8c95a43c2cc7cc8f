/// An IP protocol / IPv6 next-header number (IANA registry). An open set.
public struct IPProtocol: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Computed constants: a stored static costs other modules a call and a once-check per use.
    @inlinable public static var hopByHop: IPProtocol { IPProtocol(rawValue: 0) }
    @inlinable public static var icmp: IPProtocol { IPProtocol(rawValue: 1) }
    @inlinable public static var igmp: IPProtocol { IPProtocol(rawValue: 2) }
    @inlinable public static var ipInIP: IPProtocol { IPProtocol(rawValue: 4) }
    @inlinable public static var tcp: IPProtocol { IPProtocol(rawValue: 6) }
    @inlinable public static var udp: IPProtocol { IPProtocol(rawValue: 17) }
    @inlinable public static var ipv6: IPProtocol { IPProtocol(rawValue: 41) }
    @inlinable public static var routing: IPProtocol { IPProtocol(rawValue: 43) }
    @inlinable public static var fragment: IPProtocol { IPProtocol(rawValue: 44) }
    @inlinable public static var gre: IPProtocol { IPProtocol(rawValue: 47) }
    @inlinable public static var esp: IPProtocol { IPProtocol(rawValue: 50) }
    @inlinable public static var ah: IPProtocol { IPProtocol(rawValue: 51) }
    @inlinable public static var icmpv6: IPProtocol { IPProtocol(rawValue: 58) }
    @inlinable public static var noNextHeader: IPProtocol { IPProtocol(rawValue: 59) }
    @inlinable public static var destinationOptions: IPProtocol { IPProtocol(rawValue: 60) }
    @inlinable public static var sctp: IPProtocol { IPProtocol(rawValue: 132) }
    @inlinable public static var mobility: IPProtocol { IPProtocol(rawValue: 135) }

    /// Lower-case name for output ("tcp", "icmp6"), or nil for numbers without one.
    public var name: String? {
        switch rawValue {
        case 1: "icmp"
        case 2: "igmp"
        case 4: "ipip"
        case 6: "tcp"
        case 17: "udp"
        case 41: "ipv6"
        case 47: "gre"
        case 50: "esp"
        case 51: "ah"
        case 58: "icmp6"
        case 89: "ospf"
        case 103: "pim"
        case 112: "vrrp"
        case 132: "sctp"
        case 135: "mobility"
        default: nil
        }
    }
}

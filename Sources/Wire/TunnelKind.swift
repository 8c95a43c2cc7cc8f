/// The encapsulation a packet's inner IP layer was found in (outermost tunnel).
public enum TunnelKind: UInt8, Sendable {
    case none
    /// IPv4 or IPv6 directly in IP (protocols 4 and 41; RFC 2003, RFC 4213).
    case ipInIP
    /// GRE (RFC 2784, RFC 2890; PPTP's enhanced GRE of RFC 2637).
    case gre
    /// ERSPAN type I, II or III inside GRE.
    case erspan
    /// VXLAN over UDP port 4789 (RFC 7348).
    case vxlan
    /// Geneve over UDP port 6081 (RFC 8926).
    case geneve
    /// GTP-U over UDP port 2152 (3GPP TS 29.281).
    case gtp
    /// Teredo, IPv6 over UDP port 3544 (RFC 4380).
    case teredo
    /// AYIYA over UDP port 5072.
    case ayiya

    public var name: String {
        switch self {
        case .none: "none"
        case .ipInIP: "ipip"
        case .gre: "gre"
        case .erspan: "erspan"
        case .vxlan: "vxlan"
        case .geneve: "geneve"
        case .gtp: "gtp"
        case .teredo: "teredo"
        case .ayiya: "ayiya"
        }
    }
}

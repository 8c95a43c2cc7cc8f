/// Application protocols identified from a flow's bytes (never from its port), and tunnels.
public struct Service: OptionSet, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let dns = Service(rawValue: 1 << 0)
    public static let http = Service(rawValue: 1 << 1)
    public static let ssl = Service(rawValue: 1 << 2)
    public static let ssh = Service(rawValue: 1 << 3)
    public static let quic = Service(rawValue: 1 << 4)
    public static let vxlan = Service(rawValue: 1 << 5)
    public static let geneve = Service(rawValue: 1 << 6)
    public static let gtpv1 = Service(rawValue: 1 << 7)
    public static let teredo = Service(rawValue: 1 << 8)
    public static let ayiya = Service(rawValue: 1 << 9)
    public static let gre = Service(rawValue: 1 << 10)

    /// Zeek's analyzer names, in a fixed order.
    public var names: [String] {
        guard rawValue != 0 else { return [] }
        var out: [String] = []
        for (s, n) in Service.named where contains(s) { out.append(n) }
        return out
    }

    /// In Zeek's order of confirmation where it matters ("quic,ssl").
    static let named: [(Service, String)] = [(.dns, "dns"), (.http, "http"), (.quic, "quic"), (.ssl, "ssl"), (.ssh, "ssh"),
                                            (.vxlan, "vxlan"), (.geneve, "geneve"), (.gtpv1, "gtpv1"), (.teredo, "teredo"),
                                            (.ayiya, "ayiya"), (.gre, "gre")]
}

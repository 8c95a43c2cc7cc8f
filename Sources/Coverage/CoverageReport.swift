import Attribution

/// Where a capture's egress monitoring is blind (issue 7), as `quietwire coverage` reports it
/// and `coverage.json` writes it: egress that bypassed the proxies, name resolution the
/// approved resolvers never saw, traffic no endpoint telemetry explains, and what the sensor
/// itself missed. Flows and bytes are egress flows (leaving the local networks, or sent to a
/// configured proxy) and their IP bytes, both directions.
public struct CoverageReport: Sendable {
    /// Flows and their IP bytes, as the attribution summary counts them.
    public typealias Tally = AttributionSummary.Tally

    /// A tally with its largest destinations and the agents or processes responsible.
    public struct Breakdown: Sendable {
        public var total = Tally()
        public var destinations: [(name: String, tally: Tally)] = []
        public var owners: [(name: String, tally: Tally)] = []
        public init() {}
    }

    /// Egress classes for proxy bypass (issue 7): TCP to web ports, QUIC or UDP 443, other
    /// TCP, other UDP, ICMP, other IP protocols.
    public enum EgressClass: String, CaseIterable, Sendable {
        case tcpWeb = "tcp_web", quic, otherTCP = "other_tcp", otherUDP = "other_udp", icmp, otherIP = "other_ip"
    }

    public struct HostFigures: Sendable {
        public var egress = Tally()
        public var direct = Tally()
        public var unattributed = Tally()
        public var encryptedDNS = Tally()
        public var unapprovedDNS = Tally()
        public var noVisibleLookup = Tally()
        /// The host's largest egress destinations (at most `CoverageCollector.topCount`).
        public var destinations: [(name: String, tally: Tally)] = []
        public init() {}
    }

    public var egress = Tally()
    public var proxies: [String] = []
    public var viaProxy = Tally()
    public var direct: [EgressClass: Breakdown] = [:]

    public var approvedResolvers: [String] = []
    /// DoH, DoT and DoQ to well-known public resolvers, by resolver.
    public var encryptedDNS = Breakdown()
    /// Plain DNS to servers that are not approved (every server when none is configured), by server.
    public var unapprovedDNS = Breakdown()
    /// Connections to addresses no lookup in the capture produced: with a server name (the
    /// lookup happened where the sensor could not see it) and without any name (direct to IP).
    public var unresolvedNamed = Breakdown()
    public var unresolvedUnnamed = Breakdown()

    public var unattributed = Breakdown()
    /// Attribution had feeds at all (without them every flow is unattributed).
    public var feedsGiven = false
    /// Addresses that sent egress but belong to no host a feed named.
    public var hostsWithoutFeed: [(address: String, tally: Tally)] = []
    public var feedHostsWithoutTraffic: [String] = []
    /// Inventory jobs no flow was attributed to, and agents on the wire the inventory lacks.
    public var inventoryAgentsUnseen: [(host: String, label: String)] = []
    public var agentsNotInInventory: [(host: String, name: String, tally: Tally)] = []
    public var clockSkews: [(host: String, seconds: Double, samples: Int)] = []
    /// Lag per feed source (live sensor only).
    public var feedLags: [FeedLag] = []
    public var feedProblems = 0

    public var captureReceived: UInt64?
    public var captureDropped: UInt64?
    public var interfaceDropped: UInt64?
    public var weirds: [(name: String, count: UInt64)] = []
    public var flowsEvicted: UInt64 = 0
    public var truncatedInputs: [String] = []

    public var hosts: [String: HostFigures] = [:]

    public init() {}

    /// The figures `--fail-over` can test, by name, with their values.
    public var checks: [(name: String, value: Double)] {
        let share = { (t: Tally) in egress.bytes == 0 ? 0 : Double(t.bytes) / Double(egress.bytes) }
        let directBytes = direct.values.reduce(Tally()) { var s = $0; s.flows &+= $1.total.flows; s.bytes &+= $1.total.bytes; return s }
        return [
            ("unattributed_bytes_share", share(unattributed.total)),
            ("direct_bytes_share", proxies.isEmpty ? 0 : share(directBytes)),
            ("encrypted_dns_flows", Double(encryptedDNS.total.flows)),
            ("unapproved_dns_flows", approvedResolvers.isEmpty ? 0 : Double(unapprovedDNS.total.flows)),
            ("unresolved_bytes_share", share(Tally.sum(unresolvedNamed.total, unresolvedUnnamed.total))),
            ("hosts_without_feed", feedsGiven ? Double(hostsWithoutFeed.count) : 0),
            ("capture_drops", Double((captureDropped ?? 0) &+ (interfaceDropped ?? 0))),
            ("weirds", Double(weirds.reduce(0) { $0 &+ $1.count })),
            ("flows_evicted", Double(flowsEvicted)),
            ("truncated_inputs", Double(truncatedInputs.count)),
        ]
    }

    public static let checkNames = CoverageReport().checks.map(\.name)
}

extension CoverageReport.Tally {
    static func sum(_ a: Self, _ b: Self) -> Self {
        var s = a
        s.flows &+= b.flows
        s.bytes &+= b.bytes
        return s
    }
}

import Attribution
import Detection
import Flows
import SensorCore

/// Tallies a capture's blind spots (issue 7) as its flows finish, with their attribution:
/// egress around the configured proxies by class, encrypted DNS to public resolvers, DNS to
/// servers that are not approved, connections no visible lookup explains, and egress no feed
/// explains. `report` adds what only the end of the run knows (feed hosts, inventory, skew,
/// the sensor's own losses). Every map is bounded at `maximumKeys` entries.
public final class CoverageCollector {
    public let proxies: Set<ProxyAddress>
    public let approvedResolvers: Set<String>
    public let domains: PublicSuffixList
    /// Entries kept per map; past it new names are counted in the totals only.
    static let maximumKeys = 100_000
    /// Entries listed per top list.
    public static let topCount = 10

    typealias Tally = CoverageReport.Tally

    struct Tallies {
        var total = Tally()
        var destinations: [String: Tally] = [:]
        var owners: [String: Tally] = [:]

        mutating func add(_ bytes: UInt64, destination: String, owner: String?) {
            total.add(bytes: bytes)
            if destinations.count < CoverageCollector.maximumKeys || destinations[destination] != nil { destinations[destination, default: Tally()].add(bytes: bytes) }
            if let owner, owners.count < CoverageCollector.maximumKeys || owners[owner] != nil { owners[owner, default: Tally()].add(bytes: bytes) }
        }

        func breakdown() -> CoverageReport.Breakdown {
            var b = CoverageReport.Breakdown()
            b.total = total
            b.destinations = CoverageCollector.top(destinations)
            b.owners = CoverageCollector.top(owners)
            return b
        }
    }

    private var egress = Tally()
    private var viaProxy = Tally()
    private var direct: [CoverageReport.EgressClass: Tallies] = [:]
    private var encryptedDNS = Tallies()
    private var unapprovedDNS = Tallies()
    private var unresolvedNamed = Tallies()
    private var unresolvedUnnamed = Tallies()
    private var unattributed = Tallies()
    private var withoutHost: [String: Tally] = [:]
    private var hosts: [String: CoverageReport.HostFigures] = [:]
    private var hostsSeen: Set<String> = []
    /// Egress by host and destination (at most `maximumKeys` pairs in all).
    private var hostDestinations: [String: [String: Tally]] = [:]
    private var hostDestinationCount = 0
    private var agentsSeen: Set<String> = []
    private var notInInventory: [String: (String, String, Tally)] = [:]

    public init(proxies: Set<ProxyAddress>, approvedResolvers: Set<String>, domains: PublicSuffixList) {
        self.proxies = proxies
        self.approvedResolvers = Set(approvedResolvers.map { $0.lowercased() })
        self.domains = domains
    }

    static func top(_ map: [String: Tally]) -> [(name: String, tally: Tally)] {
        map.sorted { ($0.value.bytes, $0.value.flows, $1.key) > ($1.value.bytes, $1.value.flows, $0.key) }.prefix(topCount).map { ($0.key, $0.value) }
    }

    /// The class of an egress flow that did not go through a proxy.
    static func egressClass(_ r: FlowRecord) -> CoverageReport.EgressClass {
        let port = r.connection.responderPort
        switch r.connection.proto {
        case 6: return [80, 443, 8080, 8443].contains(port) || r.service.contains("http") || r.service.contains("ssl") ? .tcpWeb : .otherTCP
        case 17: return port == 443 || r.service.contains("quic") ? .quic : .otherUDP
        case 1, 58: return .icmp
        default: return .otherIP
        }
    }

    /// Adds to one of a host's figures (at most `maximumKeys` hosts; past it, the totals only).
    private func addToHost(_ host: String, _ figure: WritableKeyPath<CoverageReport.HostFigures, Tally>, _ bytes: UInt64) {
        guard hosts[host] != nil || hosts.count < Self.maximumKeys else { return }
        hosts[host, default: .init()][keyPath: figure].add(bytes: bytes)
    }

    /// Takes one finished flow and its attribution.
    public func observe(_ r: FlowRecord, _ a: Attribution) {
        guard !r.interim else { return }
        if let host = a.hostID, hostsSeen.count < Self.maximumKeys { hostsSeen.insert(host) }
        let isDNS = r.service.contains("dns") || (r.connection.responderPort == 53 && (r.connection.proto == 6 || r.connection.proto == 17))
        let bytes = r.originatorIPBytes &+ r.responderIPBytes
        let hostName = a.hostID ?? r.connection.originator.description
        let owner = a.agent?.label ?? a.process?.executable ?? a.process?.name
        let name = r.serverName ?? r.resolvedName
        let destination = name.flatMap { domains.registeredDomain($0) } ?? r.connection.responder.description
        if let label = a.agent?.label, let host = a.hostID {
            if agentsSeen.count < Self.maximumKeys { agentsSeen.insert(host + "\u{0}" + label) }
            if a.agent?.source == "label", notInInventory.count < Self.maximumKeys || notInInventory[host + "\u{0}" + label] != nil {
                var entry = notInInventory[host + "\u{0}" + label] ?? (host, label, Tally())
                entry.2.add(bytes: bytes)
                notInInventory[host + "\u{0}" + label] = entry
            }
        }
        // Plain DNS to a server that is not approved (internal ones too: a rogue resolver is a blind spot).
        if isDNS, r.localOriginator, !approvedResolvers.contains(r.connection.responder.description) {
            unapprovedDNS.add(bytes, destination: r.connection.responder.description, owner: owner)
            addToHost(hostName, \.unapprovedDNS, bytes)
        }
        // Egress: flows that leave the local networks, and flows to a proxy (usually inside) that
        // leave through it.
        let toProxy = r.localOriginator && proxies.contains(ProxyAddress(address: r.connection.responder, port: r.connection.responderPort))
        guard r.isEgress || toProxy else { return }
        egress.add(bytes: bytes)
        addToHost(hostName, \.egress, bytes)
        if hostDestinations[hostName]?[destination] != nil {
            hostDestinations[hostName]![destination]!.add(bytes: bytes)
        } else if hostDestinationCount < Self.maximumKeys {
            hostDestinationCount += 1
            hostDestinations[hostName, default: [:]][destination, default: Tally()].add(bytes: bytes)
        }
        if a.method == .none {
            unattributed.add(bytes, destination: destination, owner: hostName)
            addToHost(hostName, \.unattributed, bytes)
        }
        if a.hostID == nil, withoutHost.count < Self.maximumKeys || withoutHost[hostName] != nil { withoutHost[hostName, default: Tally()].add(bytes: bytes) }
        if toProxy {
            viaProxy.add(bytes: bytes)
            return
        }
        direct[Self.egressClass(r), default: Tallies()].add(bytes, destination: destination, owner: owner)
        addToHost(hostName, \.direct, bytes)
        let port = r.connection.responderPort
        if port == 853 || port == 443, let resolver = PublicResolvers.resolver(name: name, address: r.connection.responder),
           !approvedResolvers.contains(resolver) {
            encryptedDNS.add(bytes, destination: resolver, owner: owner)
            addToHost(hostName, \.encryptedDNS, bytes)
            return
        }
        if !isDNS, r.resolvedName == nil {
            if r.serverName != nil {
                unresolvedNamed.add(bytes, destination: destination, owner: owner)
            } else {
                unresolvedUnnamed.add(bytes, destination: destination, owner: owner)
            }
            addToHost(hostName, \.noVisibleLookup, bytes)
        }
    }

    /// The report, with what the end of the run knows: the correlator's feed hosts, inventory
    /// and skews (nil without feeds), feed problems, and the sensor's own losses.
    public func report(correlator: Correlator?, feedProblems: Int, captureReceived: UInt64?, captureDropped: UInt64?, interfaceDropped: UInt64?,
                       weirds: [(String, UInt64)], flowsEvicted: UInt64, truncatedInputs: [String]) -> CoverageReport {
        var r = CoverageReport()
        r.egress = egress
        r.proxies = proxies.map(\.description).sorted()
        r.viaProxy = viaProxy
        for (k, v) in direct { r.direct[k] = v.breakdown() }
        r.approvedResolvers = approvedResolvers.sorted()
        r.encryptedDNS = encryptedDNS.breakdown()
        r.unapprovedDNS = unapprovedDNS.breakdown()
        r.unresolvedNamed = unresolvedNamed.breakdown()
        r.unresolvedUnnamed = unresolvedUnnamed.breakdown()
        r.unattributed = unattributed.breakdown()
        r.hosts = hosts
        for (host, map) in hostDestinations { r.hosts[host]?.destinations = Self.top(map) }
        r.feedProblems = feedProblems
        if let c = correlator {
            r.feedsGiven = true
            r.hostsWithoutFeed = Self.top(withoutHost).map { ($0.name, $0.tally) }
            r.feedHostsWithoutTraffic = c.feedHosts.subtracting(hostsSeen).sorted()
            r.inventoryAgentsUnseen = c.agents.inventory.filter { !agentsSeen.contains($0.hostID + "\u{0}" + $0.label) }
                .map { ($0.hostID, $0.label) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            r.agentsNotInInventory = notInInventory.values.sorted { ($0.2.bytes, $1.0, $1.1) > ($1.2.bytes, $0.0, $0.1) }.map { ($0.0, $0.1, $0.2) }
            r.clockSkews = c.skews
        }
        r.captureReceived = captureReceived
        r.captureDropped = captureDropped
        r.interfaceDropped = interfaceDropped
        r.weirds = weirds.map { ($0.0, $0.1) }
        r.flowsEvicted = flowsEvicted
        r.truncatedInputs = truncatedInputs
        return r
    }
}

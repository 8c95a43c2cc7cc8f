import Flows
import SensorCore

/// Joins flows to the endpoint sockets that carried them (DESIGN.md: Attribution).
///
/// Socket records are indexed by 5-tuple and by local address and port. A flow is matched at
/// its start time, first with its originator as the local end (the usual egress case), then
/// with its responder as the local end (a host that accepted the connection):
/// 1. `exact`: a socket with the flow's 5-tuple whose lifetime (open to close, or first to last
///    snapshot; a close ends it so a reused port starts a new one; an open never closed lasts
///    until the next socket on the same tuple) covers the start, allowing
///    the host's estimated clock skew and `tolerance`, or within `maximumSkew` at a lower confidence;
/// 2. `port`: a socket bound to the local address and port without that peer (unconnected UDP,
///    wildcard binds), alive at the start;
/// 3. `inferred`: the same local port on the same host within `inferenceHorizon`, or the same
///    host's most recent traffic to the same destination and port.
/// Each host's clock skew is estimated (median) from exact matches on `open` events and used
/// for later matches.
public final class Correlator {
    public struct Settings: Sendable {
        /// Clock difference accepted at full confidence, seconds.
        public var tolerance: Double = 2
        /// Largest endpoint clock skew searched for, seconds.
        public var maximumSkew: Double = 300
        /// How far from the flow's start an inferred match may look, seconds.
        public var inferenceHorizon: Double = 600
        public init() {}
    }

    struct Entry {
        var time: Int64
        /// The latest time a repeated snapshot of the same socket saw it (a re-report extends
        /// the entry instead of adding one, so a long-lived socket's chain does not grow).
        var until: Int64
        var process: Int32
        var host: Int32
        var source: UInt16
        var event: SocketRecord.Event
        /// Next entry with the same key, or -1.
        var next: Int32
        var nextByPort: Int32
        var nextByDestination: Int32
        var remote: IPAddress?
        var remotePort: UInt16
    }

    struct ExactKey: Hashable {
        var local: IPAddress
        var remote: IPAddress
        var localPort: UInt16
        var remotePort: UInt16
        var transport: UInt8
    }

    struct PortKey: Hashable {
        /// Unspecified for a wildcard bind; then the host must hold the address.
        var local: IPAddress
        var localPort: UInt16
        var transport: UInt8
    }

    struct DestinationKey: Hashable {
        var host: Int32
        var remote: IPAddress
        var remotePort: UInt16
        var transport: UInt8
    }

    struct ProcessKey: Hashable {
        var host: Int32
        var pid: Int32
        var executable: String?
    }

    /// One socket's life on the endpoint's clock.
    struct Lifetime {
        var first: Int64
        var last: Int64
        var host: Int32
        var process: Int32
        var source: UInt16
        var opened: Int64?
        var closed: Bool
    }

    public let settings: Settings
    public private(set) var hosts = HostDirectory()
    public private(set) var agents = AgentResolver()
    private var entries: [Entry] = []
    private var exact: [ExactKey: Int32] = [:]
    private var byPort: [PortKey: Int32] = [:]
    private var byDestination: [DestinationKey: Int32] = [:]
    private var hostNames: [String] = []
    /// Hosts any feed record named (sockets, host addresses, processes, lookups), at most
    /// `maximumFeedHosts`.
    public private(set) var feedHosts: Set<String> = []
    static let maximumFeedHosts = 1_000_000
    private var hostIndex: [String: Int32] = [:]
    private var processes: [ProcessIdentity] = []
    private var processIndex: [ProcessKey: Int32] = [:]
    private var sources: [String] = []
    private var sourceIndex: [String: UInt16] = [:]
    private var skewSamples: [Int32: [Int64]] = [:]
    private var skewEstimate: [Int32: Int64] = [:]
    /// Skew samples kept per host (the most recent).
    static let maximumSkewSamples = 256

    /// Socket entries indexed (repeated snapshots of one open socket share an entry).
    public var socketCount: Int { entries.count }

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    private func intern(host: String) -> Int32 {
        if let i = hostIndex[host] { return i }
        let i = Int32(hostNames.count)
        hostNames.append(host)
        hostIndex[host] = i
        return i
    }

    /// Sources get an index each; past 65,535 distinct names they share the last one, "other".
    private func intern(source: String) -> UInt16 {
        if let i = sourceIndex[source] { return i }
        guard sources.count < Int(UInt16.max) else {
            if sources.count == Int(UInt16.max) { sources.append("other") }
            return UInt16.max
        }
        let i = UInt16(sources.count)
        sources.append(source)
        sourceIndex[source] = i
        return i
    }

    private func intern(process p: ProcessIdentity, host: Int32) -> Int32 {
        let key = ProcessKey(host: host, pid: p.pid, executable: p.executable)
        if let i = processIndex[key] {
            processes[Int(i)].merge(p)
            return i
        }
        let i = Int32(processes.count)
        processes.append(p)
        processIndex[key] = i
        return i
    }

    /// Takes feed records (any order; sockets may arrive after the flows they explain).
    public func ingest(_ records: [FeedRecord]) {
        for r in records { ingest(r) }
    }

    public func ingest(_ r: FeedRecord) {
        if feedHosts.count < Self.maximumFeedHosts {
            switch r {
            case .socket(let s): feedHosts.insert(s.hostID)
            case .host(let h): feedHosts.insert(h.hostID)
            case .process(let p): feedHosts.insert(p.hostID)
            case .lookup(let l): feedHosts.insert(l.hostID)
            case .agent: break
            }
        }
        switch r {
        case .socket(let s): ingest(socket: s)
        case .agent(let a): agents.note(a)
        case .host(let h): hosts.note(h)
        case .process(let p): agents.note(host: p.hostID, p.process)
        case .lookup: break
        }
    }

    private func ingest(socket record: SocketRecord) {
        var s = record
        // ICMP flows are keyed on type and code, not the socket's ports: match on addresses.
        if SocketRecord.isICMP(s.transport) { (s.localPort, s.remotePort) = (0, 0) }
        let host = intern(host: s.hostID)
        let process = intern(process: s.process, host: host)
        agents.note(host: s.hostID, s.process)
        let index = Int32(entries.count)
        let local = s.localAddress ?? .unspecified
        let time = s.time.nanoseconds
        if let a = s.localAddress, a.value != 0 { hosts.learn(a, host: s.hostID, at: s.time) }
        // A snapshot of a socket whose latest entry is still open extends that entry.
        let head = s.remoteAddress.map { exact[ExactKey(local: local, remote: $0, localPort: s.localPort, remotePort: s.remotePort, transport: s.transport)] }
            ?? byPort[PortKey(local: local, localPort: s.localPort, transport: s.transport)]
        if s.event == .snapshot, let head, entries[Int(head)].host == host, entries[Int(head)].process == process,
           entries[Int(head)].event != .close, entries[Int(head)].remote == s.remoteAddress, time >= entries[Int(head)].time {
            entries[Int(head)].until = max(entries[Int(head)].until, time)
            return
        }
        var entry = Entry(time: time, until: time, process: process, host: host, source: intern(source: s.source), event: s.event,
                          next: -1, nextByPort: -1, nextByDestination: -1, remote: s.remoteAddress, remotePort: s.remotePort)
        if let remote = s.remoteAddress {
            let key = ExactKey(local: local, remote: remote, localPort: s.localPort, remotePort: s.remotePort, transport: s.transport)
            entry.next = exact.updateValue(index, forKey: key) ?? -1
            let d = DestinationKey(host: host, remote: remote, remotePort: s.remotePort, transport: s.transport)
            entry.nextByDestination = byDestination.updateValue(index, forKey: d) ?? -1
        }
        entry.nextByPort = byPort.updateValue(index, forKey: PortKey(local: local, localPort: s.localPort, transport: s.transport)) ?? -1
        entries.append(entry)
    }

    /// Lifetimes of the entries on one chain, oldest first: per host and process, a close ends
    /// a lifetime and the next record starts another.
    private func lifetimes(chain head: Int32, link: (Entry) -> Int32, where keep: (Entry) -> Bool = { _ in true }) -> [Lifetime] {
        var list: [Entry] = []
        var i = head
        var steps = 0
        while i >= 0, steps < 100_000 {
            let e = entries[Int(i)]
            if keep(e) { list.append(e) }
            i = link(e)
            steps += 1
        }
        // Feeds with whole-second times (osquery) stamp an open and its close alike: at equal
        // times an open comes first, a close last.
        let rank = { (e: Entry) -> Int in e.event == .open ? 0 : e.event == .snapshot ? 1 : 2 }
        list.sort { ($0.time, rank($0)) < ($1.time, rank($1)) }
        var result: [Lifetime] = []
        var open: [Int32: Int] = [:]  // process -> index in result
        for e in list {
            if let k = open[e.process], !result[k].closed {
                result[k].last = max(result[k].last, e.until)
                if e.event == .close { result[k].closed = true; open[e.process] = nil }
                continue
            }
            result.append(Lifetime(first: e.time, last: e.until, host: e.host, process: e.process, source: e.source,
                                   opened: e.event == .open ? e.time : nil, closed: e.event == .close))
            if e.event != .close { open[e.process] = result.count - 1 }
        }
        // A socket seen opening and never closing lives on until the next socket on the chain starts.
        var k = result.count - 1
        var nextStart = Int64.max
        while k >= 0 {
            if result[k].opened != nil, !result[k].closed { result[k].last = max(result[k].last, nextStart == .max ? .max : nextStart &- 1) }
            nextStart = min(nextStart, result[k].first)
            k -= 1
        }
        return result
    }

    /// Distance in nanoseconds from `t` to a lifetime (0 inside it).
    private static func distance(_ t: Int64, _ l: Lifetime) -> Int64 {
        let (d, overflow) = t < l.first ? l.first.subtractingReportingOverflow(t) : (t > l.last ? t.subtractingReportingOverflow(l.last) : (0, false))
        return overflow ? .max : d
    }

    /// The best of `lifetimes` for `start` (sensor clock), with its distance after skew.
    private func nearest(_ lifetimes: [Lifetime], start: Int64) -> (Lifetime, Int64)? {
        var best: (Lifetime, Int64)?
        for l in lifetimes {
            let (t, overflow) = start.addingReportingOverflow(skewEstimate[l.host] ?? 0)
            if overflow { continue }
            let d = Correlator.distance(t, l)
            if best == nil || d < best!.1 { best = (l, d) }
        }
        return best
    }

    private func seconds(_ s: Double) -> Int64 { Int64(s * 1e9) }

    /// Attributes one flow.
    public func attribute(_ flow: FlowRecord) -> Attribution {
        var c = flow.connection
        if SocketRecord.isICMP(c.proto) { (c.originatorPort, c.responderPort) = (0, 0) }
        let start = flow.start.nanoseconds
        let orientations = [(c.originator, c.originatorPort, c.responder, c.responderPort),
                            (c.responder, c.responderPort, c.originator, c.originatorPort)]
        // 1. exact
        for (local, lport, remote, rport) in orientations {
            let key = ExactKey(local: local, remote: remote, localPort: lport, remotePort: rport, transport: c.proto)
            var head = exact[key]
            if head == nil {
                // A socket record without a local address (some feeds omit it) still names the tuple.
                head = exact[ExactKey(local: .unspecified, remote: remote, localPort: lport, remotePort: rport, transport: c.proto)]
            }
            guard let head else { continue }
            guard let (l, d) = nearest(lifetimes(chain: head, link: \.next), start: start), d <= seconds(settings.maximumSkew) else { continue }
            var confidence = l.opened != nil || l.closed ? 1.0 : 0.9
            if d > seconds(settings.tolerance) { confidence = 0.7 }
            if let opened = l.opened, case let (delta, false) = opened.subtractingReportingOverflow(start) { sampleSkew(host: l.host, delta) }
            return result(.exact, l, confidence: confidence)
        }
        // 2. port: unconnected or wildcard sockets on the local end.
        for (local, lport, remote, _) in orientations {
            for address in [local, .unspecified] {
                guard let head = byPort[PortKey(local: address, localPort: lport, transport: c.proto)] else { continue }
                let list = lifetimes(chain: head, link: \.nextByPort) { $0.remote == nil || $0.remote == remote }
                guard let (l, d) = nearest(list, start: start), d <= seconds(settings.tolerance) else { continue }
                if address.value == 0, hosts.host(of: local, at: flow.start) != hostNames[Int(l.host)] { continue }
                return result(.port, l, confidence: address.value == 0 ? 0.7 : 0.8)
            }
        }
        // 3. inferred: the same local port at another moment on the host that held the address.
        let horizon = seconds(settings.inferenceHorizon)
        for (local, lport, _, _) in orientations {
            guard let head = byPort[PortKey(local: local, localPort: lport, transport: c.proto)] else { continue }
            guard let (l, d) = nearest(lifetimes(chain: head, link: \.nextByPort), start: start), d <= horizon else { continue }
            return result(.inferred, l, confidence: 0.5)
        }
        // 3b. inferred: the same host's most recent traffic to the same destination and port.
        for (local, _, remote, rport) in orientations {
            guard let hostName = hosts.host(of: local, at: flow.start), let host = hostIndex[hostName],
                  let head = byDestination[DestinationKey(host: host, remote: remote, remotePort: rport, transport: c.proto)] else { continue }
            let list = lifetimes(chain: head, link: \.nextByDestination)
            let processes = Set(list.map(\.process))
            guard let (l, d) = nearest(list, start: start), d <= horizon else { continue }
            // Two processes reaching the same destination leave the owner unknown.
            return result(.inferred, l, confidence: processes.count == 1 ? 0.4 : 0.2)
        }
        var none = Attribution.none
        if let host = hosts.host(of: c.originator, at: flow.start) ?? hosts.host(of: c.responder, at: flow.start) {
            none.hostID = host
            none.skew = hostIndex[host].flatMap { skewEstimate[$0] }.map { Double($0) / 1e9 }
        }
        return none
    }

    private func result(_ method: Attribution.Method, _ l: Lifetime, confidence: Double) -> Attribution {
        let host = hostNames[Int(l.host)]
        var process = processes[Int(l.process)]
        if let known = agents.process(host: host, pid: process.pid), known.executable == process.executable || process.executable == nil {
            process.merge(known)
        }
        let agent = agents.agent(of: process, host: host)
        return Attribution(method: method, source: sources[Int(l.source)], confidence: confidence,
                           skew: skewEstimate[l.host].map { Double($0) / 1e9 }, hostID: host, process: process,
                           agent: agent?.0, agentMethod: agent?.1)
    }

    private func sampleSkew(host: Int32, _ delta: Int64) {
        var samples = skewSamples[host, default: []]
        if samples.count >= Correlator.maximumSkewSamples { samples.removeFirst() }
        samples.append(delta)
        skewSamples[host] = samples
        // The median is recomputed while samples are few, then every 16th sample.
        if samples.count < 16 || samples.count % 16 == 0 || skewEstimate[host] == nil {
            let sorted = samples.sorted()
            skewEstimate[host] = sorted[sorted.count / 2]
        }
    }

    /// Each host's estimated clock skew (host clock minus sensor clock, seconds) and the number
    /// of exact matches it rests on.
    public var skews: [(host: String, seconds: Double, samples: Int)] {
        skewEstimate.map { (hostNames[Int($0.key)], Double($0.value) / 1e9, skewSamples[$0.key]?.count ?? 0) }.sorted { $0.host < $1.host }
    }
}

import Attribution
import Foundation
import Flows
import SensorCore

/// The quiet-then-fallback analytic (MITRE AN1378; DETECTION.md 3.2, 3.3, 3.5, 3.12) over a
/// finished capture: every flow is observed; at the end, the first `warmupFraction` of the
/// time span trains each background agent's baseline (its channels, its primary channel and
/// the primary's rhythm), and the rest is judged. A channel new for the agent that starts
/// within the fallback window of the primary going quiet (silent past
/// `max(k·T, T + z·σ, minimumQuiet)`) or failing (repeated failed attempts) is scored from
/// named reasons; an episode scoring at least `leadScore` is an alert.
///
/// Gaps are measured in awake time (`AwakeTime`): a host is awake within `awakeMargin` of any
/// of its flows, so a laptop's sleep is not its agents' silence.
public final class FallbackDetector {
    public let settings: DetectionSettings
    public let domains: PublicSuffixList

    /// One agent flow as the analytic holds it. Events are copied each time they are judged
    /// (every minute on the live sensor): the flow and its attribution sit in one shared box,
    /// since copying them retained some thirty strings and arrays (half of a judgement's time).
    struct Event {
        private let observed: Observed
        var channel: ChannelKey
        /// Why the attempt failed (a conn state, a TLS alert, an HTTP status), nil when it did not.
        var failure: String?
        /// The flow's start and end, nanoseconds (inline: sorting and slicing read them).
        let start: Int64
        let end: Int64

        init(flow: FlowRecord, attribution: Attribution, channel: ChannelKey, failure: String?) {
            observed = Observed(flow: flow, attribution: attribution)
            self.channel = channel
            self.failure = failure
            start = flow.start.nanoseconds
            end = flow.end.nanoseconds
        }

        var flow: FlowRecord { observed.flow }
        var attribution: Attribution { observed.attribution }
        var failed: Bool { failure != nil }
    }

    final class Observed {
        let flow: FlowRecord
        let attribution: Attribution
        init(flow: FlowRecord, attribution: Attribution) {
            self.flow = flow
            self.attribution = attribution
        }
    }

    private var events: [AgentKey: [Event]] = [:]
    private var jobs: [AgentKey: AgentRecord] = [:]
    /// When any host first and last reached each destination identity (organisation first-seen).
    private(set) var destinations: [String: Sighting] = [:]
    /// Hosts (by id, else address) whose flows carried a DNS name, and when: they use plain DNS.
    var hostsUsingDNS: [String: Sighting] = [:]
    /// Flow start times per host (by id, else address), for awake time.
    private var activity: [String: [Int64]] = [:]
    /// DNS questions per flow uid, for the DNS tunnel score of DNS fallbacks.
    var questions: [String: [Question]] = [:]
    /// Questions kept per flow, and in all (past it, the tunnel score sees a sample).
    static let maximumQuestionsPerFlow = 10_000
    static let maximumQuestions = 2_000_000
    private var questionCount = 0
    /// ICMP echo statistics per flow uid, for the ICMP tunnel test of ICMP fallbacks (at most `maximumEchoFlows`).
    var echoes: [String: ICMPEchoSummary] = [:]
    static let maximumEchoFlows = 1_000_000
    /// Failure evidence beside conn states (DETECTION.md 3.3): TLS alerts and HTTP errors by
    /// flow uid; NXDOMAIN/SERVFAIL answers (time, registered domain, rcode) and unreachable
    /// messages by client address. At most `maximumFailureRecords` of each kind.
    var failedFlows: [String: String] = [:]
    var dnsFailures: [IPAddress: [(Int64, String, String)]] = [:]
    var unreachables: [IPAddress: [ICMPUnreachable]] = [:]
    private var failureRecords = 0
    static let maximumFailureRecords = 1_000_000
    /// Addresses each host's flows came from (to find its DNS answers and unreachable messages).
    var hostAddresses: [String: Set<IPAddress>] = [:]
    static let maximumAddressesPerHost = 64
    /// Per host, the quiet spells put down to a host-wide path change (for the timelines).
    private var pathChangeSpans: [String: [(Int64, Int64)]] = [:]
    /// Hosts running each agent and reaching each destination, in the baseline and this data.
    var fleet = FleetFacts()
    private var first = Int64.max
    private var last = Int64.min
    /// Where `learn`, `judge` and `forget` put a flow in time: by its start (a capture split
    /// into training and judged parts), or by its end, when the live sensor first sees it (a
    /// fallback session that lasts longer than the learning delay is still judged).
    public var slicesByEnd = false
    private func slice(_ e: Event) -> Int64 { slicesByEnd ? e.end : e.start }
    /// Since when `activity` is complete (`first`, or the last `forget` cutoff): awake time
    /// before it is unknown.
    private var activityFrom = Int64.min

    /// What the run found beside alerts, for the summary.
    public struct Summary: Sendable {
        public var agents = 0
        /// Agents whose baseline had no channel with enough sessions to be a primary.
        public var insufficientBaseline = 0
        public var withPrimary = 0
        public var candidates = 0
        /// Hosts running the most widespread agent (fleet prevalence needs `fleetMinimumHosts`).
        public var largestFleet = 0
        /// Quiet spells not judged because most of the host's agents went quiet together.
        public var pathChanges = 0
        public var warmupEnd: Timestamp = .zero
    }

    public private(set) var summary = Summary()

    public init(settings: DetectionSettings = DetectionSettings(), domains: PublicSuffixList) {
        self.settings = settings
        self.domains = domains
    }

    /// Conn states of an attempt that did not get through (Zeek conn.log): no answer, rejected,
    /// reset before data, or half-open.
    static let failedStates: Set<String> = ["S0", "REJ", "RSTOS0", "RSTRH", "SH", "SHR"]

    /// Takes one finished flow and its attribution (any order).
    public func observe(_ r: FlowRecord, _ a: Attribution) {
        guard !r.interim else { return }
        let start = r.start.nanoseconds
        first = min(first, start)
        last = max(last, r.end.nanoseconds)
        let channel = ChannelKey(r, domains: domains)
        destinations[channel.destination, default: Sighting(at: start)].merge(Sighting(at: start))
        let hostName = a.hostID ?? r.connection.originator.description
        if r.localOriginator, (hostAddresses[hostName]?.count ?? 0) < Self.maximumAddressesPerHost { hostAddresses[hostName, default: []].insert(r.connection.originator) }
        // A name the host resolved in the clear (an SNI alone says nothing about how it resolved).
        if r.resolvedName != nil { hostsUsingDNS[hostName, default: Sighting(at: start)].merge(Sighting(at: start)) }
        activity[hostName, default: []].append(start)
        if answerAddresses.contains(r.connection.responder), contactCount < Self.maximumQuestions {
            contactCount += 1
            contacts[Pair(client: r.connection.originator, server: r.connection.responder), default: []].append(start)
        }
        guard var agent = AgentKey(a), agent.label != nil else { return }
        // A child of the job carries its own signature, not the job's: it joins the job's
        // agent once the job's own flows name the team (`mergeChildren`).
        if a.agentMethod == .parent { agent.teamID = Self.childMarker }
        if jobs[agent] == nil, let job = a.agent { jobs[agent] = job }
        events[agent, default: []].append(Event(flow: r, attribution: a, channel: channel, failure: Self.failedStates.contains(r.connState) ? r.connState : nil))
    }

    /// Takes one DNS transaction (its question feeds the DNS tunnel score of its flow; an
    /// NXDOMAIN or SERVFAIL answer is failure evidence for the channel of its registered domain).
    public func observe(dns t: DNSTransaction) {
        guard let query = t.query, let type = t.qtype else { return }
        if let rcode = t.rcode, rcode == 2 || rcode == 3, failureRecords < Self.maximumFailureRecords,
           let domain = domains.registeredDomain(String(decoding: query, as: UTF8.self)) {
            failureRecords += 1
            dnsFailures[t.connection.originator, default: []].append((t.start.nanoseconds, domain, rcode == 3 ? "NXDOMAIN" : "SERVFAIL"))
        }
        let uid = t.connection.uid
        guard questionCount < Self.maximumQuestions, (questions[uid]?.count ?? 0) < Self.maximumQuestionsPerFlow else { return }
        questionCount += 1
        // Address answers (at most 4), to tell later whether the client connected to one.
        var answers: [IPAddress] = []
        for text in t.answers ?? [] where answers.count < 4 {
            guard let a = IPAddress(String(decoding: text, as: UTF8.self)) else { continue }
            answers.append(a)
            if answerAddresses.count < Self.maximumQuestions { answerAddresses.insert(a) }
        }
        questions[uid, default: []].append(Question(name: String(decoding: query, as: UTF8.self), type: type, time: t.start.nanoseconds,
                                                    client: t.connection.originator, answers: answers, ttl: t.ttls?.first ?? 0))
    }

    /// One DNS question of a flow, with its address answers.
    struct Question {
        var name: String
        var type: UInt16
        var time: Int64
        var client: IPAddress
        var answers: [IPAddress]
        var ttl: UInt32
    }

    /// Flow starts from a client to an address some DNS answer named, for "answered but never
    /// connected to" (at most `maximumQuestions` pairs).
    private var answerAddresses: Set<IPAddress> = []
    var contacts: [Pair: [Int64]] = [:]
    private var contactCount = 0
    struct Pair: Hashable {
        var client: IPAddress
        var server: IPAddress
    }

    /// Whether `q`'s client reached one of its answers within the TTL and a minute after asking;
    /// nil when it had no address answers.
    func connected(_ q: Question) -> Bool? {
        guard !q.answers.isEmpty else { return nil }
        let until = Saturating.add(q.time, Saturating.nanoseconds(Double(q.ttl) + 60))
        return q.answers.contains { a in contacts[Pair(client: q.client, server: a)]?.contains { $0 >= q.time && $0 <= until } ?? false }
    }

    /// Takes one TLS session: an alert before the handshake completed fails its flow.
    public func observe(ssl s: SSLSession) {
        guard let alert = s.lastAlert, !s.established, failedFlows.count < Self.maximumFailureRecords else { return }
        failedFlows[s.connection.uid] = "TLS alert \(alert)"
    }

    /// Takes one HTTP transaction: a status of 400 or more fails its flow.
    public func observe(http t: HTTPTransaction) {
        guard let status = t.statusCode, status >= 400, failedFlows.count < Self.maximumFailureRecords else { return }
        failedFlows[t.connection.uid] = "HTTP \(status)"
    }

    /// Takes one ICMP destination unreachable message (failure evidence for the flow it quotes).
    public func observe(unreachable m: ICMPUnreachable) {
        guard failureRecords < Self.maximumFailureRecords else { return }
        failureRecords += 1
        unreachables[m.client, default: []].append(m)
    }

    /// Takes one ICMP echo flow's statistics.
    public func observe(echo s: ICMPEchoSummary) {
        guard echoes.count < Self.maximumEchoFlows || echoes[s.connection.uid] != nil else { return }
        echoes[s.connection.uid] = s
    }

    static let childMarker = "\u{0}child"

    /// Moves the flows of the job's children to the job's agent: the one agent with the same
    /// host, label and program, else the one without a team id.
    private func mergeChildren(known: Baseline? = nil) {
        for key in events.keys where key.teamID == Self.childMarker {
            let siblings = Set(events.keys.filter { $0.host == key.host && $0.label == key.label && $0.program == key.program && $0.teamID != Self.childMarker })
                .union(known?.agents.keys.filter { $0.host == key.host && $0.label == key.label && $0.program == key.program } ?? [])
            var target = key
            target.teamID = siblings.count == 1 ? siblings.first!.teamID : nil
            events[target, default: []] += events.removeValue(forKey: key) ?? []
            if jobs[target] == nil { jobs[target] = jobs[key] }
            jobs[key] = nil
        }
    }

    /// Agent flows held, and host activity points (what `forget` bounds).
    public var eventCount: Int { events.values.reduce(0) { $0 + $1.count } }
    public var activityPoints: Int { activity.values.reduce(0) { $0 + $1.count } }

    /// Drops what started before `cutoff` (the live sensor, once it is in the baseline), and
    /// host activity before `activityCutoff` (kept longer: quiet spells are measured in awake
    /// time back to the primary's last success). Bounds memory on a sensor that runs for weeks.
    public func forget(before cutoff: Int64, activityBefore activityCutoff: Int64) {
        var kept = Set<String>()
        for agent in Array(events.keys) {
            events[agent]?.removeAll { slice($0) < cutoff }
            guard let recent = events[agent], !recent.isEmpty else { events[agent] = nil; continue }
            if !failedFlows.isEmpty || !echoes.isEmpty { for e in recent { kept.insert(e.flow.connection.uid) } }
        }
        questions = questions.filter { $0.value.last.map { $0.time >= cutoff } ?? false }
        questionCount = questions.values.reduce(0) { $0 + $1.count }
        answerAddresses = Set(questions.values.lazy.flatMap { $0.lazy.flatMap(\.answers) })
        contacts = contacts.compactMapValues { times in
            let recent = times.filter { $0 >= cutoff }
            return recent.isEmpty ? nil : recent
        }
        contactCount = contacts.values.reduce(0) { $0 + $1.count }
        failedFlows = failedFlows.filter { kept.contains($0.key) }
        echoes = echoes.filter { kept.contains($0.key) }
        dnsFailures = dnsFailures.compactMapValues { list in
            let recent = list.filter { $0.0 >= cutoff }
            return recent.isEmpty ? nil : recent
        }
        unreachables = unreachables.compactMapValues { list in
            let recent = list.filter { $0.time.nanoseconds >= cutoff }
            return recent.isEmpty ? nil : recent
        }
        failureRecords = failedFlows.count + dnsFailures.values.reduce(0) { $0 + $1.count } + unreachables.values.reduce(0) { $0 + $1.count }
        let margin = Saturating.nanoseconds(settings.awakeMargin)
        activity = activity.compactMapValues { times in
            let sorted = times.filter { $0 >= activityCutoff }.sorted()
            let split = sorted.firstIndex { $0 >= cutoff } ?? sorted.count
            let recent = AwakeTime.thinned(Array(sorted[..<split]), margin: margin) + sorted[split...]
            return recent.isEmpty ? nil : recent
        }
        activityFrom = max(activityFrom, activityCutoff)
        pathChangeSpans = [:]
        // Sightings wholly before the cut are in the baseline `learn` filled; kept here they
        // would grow with every destination and host the sensor ever saw. Those seen since
        // stay, so the next `learn` moves the baseline's last sighting on.
        destinations = destinations.filter { $0.value.last >= cutoff }
        hostsUsingDNS = hostsUsingDNS.filter { $0.value.last >= cutoff }
    }

    /// Judges everything observed without a stored baseline: the first `warmupFraction` of
    /// the time span trains, the rest is judged. Alerts ordered by start.
    public func finish() -> [Alert] {
        guard first <= last else { return [] }
        let fraction = min(max(settings.warmupFraction, 0), 1)
        let warmupEnd = Saturating.add(first, Saturating.nanoseconds(Saturating.seconds(last, minus: first) * fraction))
        var baseline = Baseline()
        learn(into: &baseline, until: warmupEnd)
        return judge(with: baseline, from: warmupEnd)
    }

    /// Judges everything observed against a stored baseline. Alerts ordered by start.
    public func finish(baseline: Baseline) -> [Alert] {
        guard first <= last else { return [] }
        return judge(with: baseline, from: first)
    }

    /// Adds every observed flow that started (ended, with `slicesByEnd`) in `from..<until` to `baseline`. Learning
    /// consecutive slices (the live sensor) gives the same channels as learning them at once;
    /// the gap from a channel's last success in `baseline` to its first in the slice counts
    /// when this detector saw the host's activity in between.
    public func learn(into baseline: inout Baseline, from: Int64 = .min, until: Int64 = .max) {
        mergeChildren(known: baseline)
        // Seen before `until`: the last sighting is known only as at most `until`.
        for (destination, s) in destinations where s.first < until {
            let before = Sighting(first: s.first, last: min(s.last, until))
            baseline.destinations[destination, default: before].merge(before)
        }
        for (host, s) in hostsUsingDNS where s.first < until {
            let before = Sighting(first: s.first, last: min(s.last, until))
            baseline.hostsUsingDNS[host, default: before].merge(before)
        }
        if first < until {
            baseline.trainedFrom = min(baseline.trainedFrom ?? .max, first)
            baseline.trainedUntil = max(baseline.trainedUntil ?? .min, min(last, until))
        }
        if let now = baseline.trainedUntil { baseline.forgetStale(now: now) }
        for (agent, all) in events {
            let list = normalized(all, known: baseline.agents[agent], from: from, until: until).sorted { $0.start < $1.start }
            guard !list.isEmpty else { continue }
            var entry = baseline.agents[agent] ?? Baseline.Agent()
            if let job = jobs[agent] {
                entry.startInterval = job.startInterval ?? entry.startInterval
                entry.plistPath = job.plistPath ?? entry.plistPath
            }
            for e in list where entry.executables.count < Baseline.maximumExecutables {
                if let exe = e.attribution.process?.executable { entry.executables.insert(exe) }
            }
            if !settings.proxies.isEmpty, list.contains(where: { settings.proxies.contains(ProxyAddress(address: $0.flow.connection.responder, port: $0.flow.connection.responderPort)) }) {
                entry.usedProxy = true
            }
            let awake = AwakeTime(activity: activity[agent.host] ?? [], margin: Saturating.nanoseconds(settings.awakeMargin))
            for (channel, flows) in Dictionary(grouping: list, by: \.channel) {
                let s = sessions(flows)
                var c = entry.channels[channel] ?? Baseline.Channel(channel: channel, first: s[0].start, last: s[0].start)
                c.sessions += s.count
                c.first = min(c.first, s[0].start)
                c.last = max(c.last, s[s.count - 1].start)
                for session in s { c.days.insert(session.start / 86_400_000_000_000) }
                var successes = s.filter(\.succeeded).map(\.start)
                c.successfulSessions += successes.count
                // Gaps within this data only: the awake time across two captures is unknown.
                if let previous = c.lastSuccess, previous >= max(first, activityFrom), let next = successes.first, previous < next {
                    successes.insert(previous, at: 0)
                }
                c.gaps += zip(successes.dropFirst(), successes).map { Double(awake.awake(from: $1, to: $0)) / 1e9 }
                if c.gaps.count > Baseline.maximumGaps { c.gaps.removeFirst(c.gaps.count - Baseline.maximumGaps) }
                if let latest = successes.last { c.lastSuccess = max(c.lastSuccess ?? .min, latest) }
                entry.channels[channel] = c
            }
            baseline.agents[agent] = entry
        }
    }

    /// Judges the flows at or after `from` against `baseline` (which should hold what came
    /// before `from`). Alerts ordered by start; judging again after more flows gives the same
    /// `Alert.id` for the same episode.
    public func judge(with baseline: Baseline, from: Int64) -> [Alert] {
        mergeChildren(known: baseline)
        summary = Summary(warmupEnd: Timestamp(nanoseconds: from))
        pathChangeSpans = [:]
        fleet = FleetFacts()
        for (agent, entry) in baseline.agents { fleet.note(agent, destinations: entry.channels.keys.map(\.destination)) }
        // By index: copying each event would touch its box, a cache miss per flow.
        for (agent, list) in events { fleet.note(agent, destinations: list.indices.lazy.map { list[$0].channel.destination }) }
        summary.largestFleet = fleet.largestFleet
        var lists: [AgentKey: [Event]] = [:]
        var rhythms: [String: [AgentKey: Rhythm]] = [:]
        for (agent, all) in events {
            let list = normalized(all, known: baseline.agents[agent], from: from).sorted { $0.start < $1.start }
            lists[agent] = list
            rhythms[agent.host, default: [:]][agent] = rhythm(agent, list, baseline: baseline)
        }
        var alerts: [Alert] = []
        for agent in events.keys.sorted() {
            summary.agents += 1
            guard let rhythm = rhythms[agent.host]?[agent] else {
                summary.insufficientBaseline += 1
                continue
            }
            summary.withPrimary += 1
            alerts += judge(agent, lists[agent]!, rhythm: rhythm, host: rhythms[agent.host] ?? [:], baseline: baseline)
        }
        for k in alerts.indices {
            let host = alerts[k].agent.host
            alerts[k].timeline?.pathChanges = pathChangeSpans[host] ?? []
        }
        return alerts.sorted { $0.start < $1.start }
    }

    /// An agent's primary channel and the rhythm its silence is measured against.
    struct Rhythm {
        var history: Baseline.Channel
        var channel: ChannelKey { history.channel }
        /// The interval the primary is expected to keep (its median gap, at least the plist's
        /// StartInterval), and the awake time past which it is quiet, seconds.
        var expected: Double
        var quietAfter: Double
        /// Interval dominance (DETECTION.md 3.2 step 6): the share of gaps within 20 % of the
        /// median; periodic when at least 0.6 over 6 or more gaps. An aperiodic agent is quiet
        /// by the Poisson rule instead (3.3).
        var periodic: Bool
        /// The primary's flows and sessions in the judged data.
        var events: [Event]
        var sessions: [(start: Int64, succeeded: Bool)]
        /// Starts of successful sessions: the baseline's latest, then the judged ones.
        var successes: [Int64]
        /// Starts of all the agent's judged flows, on any channel, in order.
        var flowStarts: [Int64]
    }

    private func rhythm(_ agent: AgentKey, _ list: [Event], baseline: Baseline) -> Rhythm? {
        let named = jobs[agent].map { ProgramArgumentHosts.domains($0.programArguments, domains: domains) } ?? []
        guard let history = baseline.agents[agent],
              let primary = baseline.primary(of: agent, minimumSessions: settings.minimumPrimarySessions, preferring: named) else {
            return nil
        }
        let interval = Self.median(primary.gaps)
        let spread = 1.4826 * Self.median(primary.gaps.map { abs($0 - interval) })
        // A hostile plist's StartInterval cannot push the windows past the cap.
        let expected = min(max(interval, Double(jobs[agent]?.startInterval ?? history.startInterval ?? 0)), settings.windowCap)
        let gaps = primary.gaps
        let dominance = gaps.isEmpty ? 0 : Double(gaps.filter { abs($0 - interval) <= 0.2 * interval }.count) / Double(gaps.count)
        let periodic = gaps.count < 6 || dominance >= 0.6
        var quietAfter = max(settings.quietMultiple * expected, expected + settings.quietDeviations * spread, settings.minimumQuiet)
        if !periodic {
            // No event in awake time g has probability exp(-g/mean): quiet once below alpha; with
            // 20 or more gaps, past 1.5 times their 99th percentile.
            let rule = gaps.count >= 20 ? 1.5 * gaps.sorted()[min(gaps.count - 1, Int((Double(gaps.count) * 0.99).rounded(.down)))]
                : -log(settings.quietAlpha) * gaps.reduce(0, +) / Double(gaps.count)
            quietAfter = max(rule, expected, settings.minimumQuiet)
        }
        let events = list.filter { $0.channel == primary.channel }
        let sessions = sessions(events)
        let successes = (primary.lastSuccess.map { [$0] } ?? []) + sessions.filter(\.succeeded).map(\.start)
        return Rhythm(history: primary, expected: expected, quietAfter: quietAfter, periodic: periodic, events: events, sessions: sessions, successes: successes,
                      flowStarts: list.map(\.start))
    }

    /// A host-wide path change (DETECTION.md 3.3): of the host's other agents that were live
    /// when `agent`'s primary last succeeded at `previous`, more than `pathChangeShare` fell
    /// silent on every channel in the same window, each missing the check-in it was due for
    /// (VPN up, network loss, sleep the awake time missed). Returns (live, silent) counting
    /// `agent`, or nil.
    private func pathChange(_ agent: AgentKey, previous: Int64, expected: Double, host: [AgentKey: Rhythm], awake: AwakeTime) -> (live: Int, quiet: Int)? {
        let margin = Saturating.nanoseconds(settings.pathChangeMargin)
        // The change came after `previous` and before this agent's next check-in was due.
        let due = Saturating.add(Saturating.add(previous, Saturating.nanoseconds(expected)), margin)
        var live = 1, quiet = 1
        for (other, r) in host where other != agent {
            guard let lastB = r.successes.last(where: { $0 <= due }),
                  Saturating.seconds(previous, minus: lastB) <= r.quietAfter else { continue }
            live += 1
            // Due again after `previous`: its window overlaps this agent's.
            guard lastB > Saturating.subtract(previous, Saturating.add(Saturating.nanoseconds(r.expected), margin)) else { continue }
            // Silent on every channel, not moved to another one.
            let nextB = min(r.successes.first { $0 > lastB } ?? last, r.flowStarts.first { $0 > lastB } ?? last)
            if Double(awake.awake(from: lastB, to: nextB)) / 1e9 > r.quietAfter { quiet += 1 }
        }
        guard live >= settings.pathChangeMinimumAgents, Double(quiet - 1) > settings.pathChangeShare * Double(live - 1) else { return nil }
        return (live, quiet)
    }

    /// A channel without its protocol: what a flow tried to reach.
    private struct Endpoint: Hashable {
        var destination: String
        var transport: String
        var port: UInt16
        init(_ c: ChannelKey) { (destination, transport, port) = (c.destination, c.transport, c.port) }
    }

    /// The events whose slice lies in `from..<until` (no end when nil). Flows without payload,
    /// and failed attempts whose protocol the bytes never confirmed, take the protocol of the
    /// channel they tried to reach, from any of `events` or the baseline.
    private func normalized(_ events: [Event], known: Baseline.Agent?, from: Int64, until: Int64? = nil) -> [Event] {
        var identified: [Endpoint: String] = [:]
        for c in known.map({ Array($0.channels.keys) }) ?? [] where c.proto != ChannelKey.noPayload { identified[Endpoint(c)] = c.proto }
        for i in events.indices where events[i].channel.proto != ChannelKey.noPayload {
            let endpoint = Endpoint(events[i].channel)
            if identified[endpoint] == nil { identified[endpoint] = events[i].channel.proto }
        }
        var result: [Event] = []
        for i in events.indices {
            let s = slice(events[i])
            guard s >= from, until.map({ s < $0 }) ?? true else { continue }
            var e = events[i]
            if e.failure == nil, !failedFlows.isEmpty, let failure = failedFlows[e.flow.connection.uid] { e.failure = failure }
            // A refused handshake (a TLS alert instead of a ServerHello) never confirmed its protocol either.
            if e.channel.proto == ChannelKey.noPayload || (e.failed && e.channel.proto == "unknown") {
                e.channel.proto = identified[Endpoint(e.channel)] ?? "unknown"
            }
            result.append(e)
        }
        return result
    }

    /// Session start times of a channel's flows (flows closer than `sessionGap` are one session).
    func sessions(_ list: [Event]) -> [(start: Int64, succeeded: Bool)] {
        let gap = Saturating.nanoseconds(settings.sessionGap)
        var result: [(Int64, Bool)] = []
        var lastStart = Int64.min
        for e in list {
            if result.isEmpty || Saturating.subtract(e.start, lastStart) > gap {
                result.append((e.start, !e.failed))
            } else if !e.failed {
                result[result.count - 1].1 = true
            }
            lastStart = e.start
        }
        return result
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private func judge(_ agent: AgentKey, _ list: [Event], rhythm: Rhythm, host: [AgentKey: Rhythm], baseline: Baseline) -> [Alert] {
        let history = baseline.agents[agent] ?? Baseline.Agent()
        let primaryHistory = rhythm.history
        let primaryChannel = rhythm.channel
        let awake = AwakeTime(activity: activity[agent.host] ?? [], margin: Int64(settings.awakeMargin * 1e9))
        let job = jobs[agent]
        let expected = rhythm.expected
        let quietAfter = rhythm.quietAfter
        let windowAfter = min(settings.windowCap, max(settings.windowAfter, settings.windowAfterIntervals * expected))
        let windowBefore = settings.windowBeforeIntervals * expected

        let known = Set(history.channels.keys)
        let primaryEvents = rhythm.events
        let primarySessions = rhythm.sessions
        // Candidates: channels new for the agent, by their first flow; a channel silent for more
        // than `episodeGap` starts a new episode when it comes back (one alert per episode).
        var byChannel: [ChannelKey: [Event]] = [:]
        for e in list where !known.contains(e.channel) { byChannel[e.channel, default: []].append(e) }
        var candidates: [(channel: ChannelKey, flows: [Event])] = []
        let episodeGap = Saturating.nanoseconds(settings.episodeGap)
        for (channel, flows) in byChannel {
            var episode: [Event] = []
            for e in flows {
                if let previous = episode.last, Saturating.subtract(e.start, previous.start) > episodeGap {
                    candidates.append((channel, episode))
                    episode = []
                }
                episode.append(e)
            }
            candidates.append((channel, episode))
        }
        var alerts: [Alert] = []
        for (channel, flows) in candidates.sorted(by: { $0.flows[0].start < $1.flows[0].start }) {
            summary.candidates += 1
            let c = flows[0].start
            let okBefore = primarySessions.filter { $0.succeeded && $0.start < c }
            guard let previous = okBefore.last?.start ?? primaryHistory.lastSuccess else { continue }
            let next = primarySessions.first { $0.succeeded && $0.start > previous }?.start ?? last
            let gap = Double(awake.awake(from: previous, to: next)) / 1e9
            let wallGap = Saturating.seconds(next, minus: previous)
            let onset = Saturating.add(previous, Saturating.nanoseconds(expected))
            let inWindow = { (from: Int64) in
                c >= Saturating.subtract(from, Saturating.nanoseconds(windowBefore)) && c <= Saturating.add(from, Saturating.nanoseconds(windowAfter))
            }
            var quiet = gap > quietAfter && inWindow(onset)
            let failureSpan = Saturating.nanoseconds(max(settings.failureWindow, expected))
            let failures = failures(agent, primary: rhythm, after: previous, until: Saturating.add(c, failureSpan))
            let failing = failures.count >= settings.failuresForEvidence && inWindow(failures[0].start)
            let change = quiet || failing ? pathChange(agent, previous: previous, expected: expected, host: host, awake: awake) : nil
            if quiet, change != nil {
                // The whole host went quiet: the path changed, not the agent.
                quiet = false
                summary.pathChanges += 1
                if (pathChangeSpans[agent.host]?.count ?? 0) < Alert.Timeline.maximumPoints { pathChangeSpans[agent.host, default: []].append((previous, next)) }
            }
            guard quiet || failing else { continue }

            var reasons: [Reason] = []
            if quiet {
                reasons.append(Reason("QUIET_PRIMARY", 0, "no successful \(primaryChannel) session for \(Int(gap)) s of awake time (\(Int(wallGap)) s wall), \(fmt(gap / max(expected, 1)))× its \(Int(expected)) s interval (\(rhythm.periodic ? "periodic" : "aperiodic"), quiet past \(Int(quietAfter)) s)"))
            }
            if failing {
                let kinds = Set(failures.map(\.kind)).sorted().joined(separator: ", ")
                reasons.append(Reason("PRIMARY_FAILING", 0.5, "\(failures.count) failed attempts on the primary (\(kinds)) after its last success"))
            }
            if let change {
                reasons.append(Reason("HOST_PATH_CHANGE", -1.0, "\(change.quiet) of the host's \(change.live) live agents went quiet together (VPN, network change or sleep)"))
            }
            reasons += score(agent: agent, job: job, primary: primaryChannel, fallback: channel, flows: flows,
                             history: history, baseline: baseline, onset: failing && !quiet ? failures[0].start : onset, expected: expected)
            let total = reasons.reduce(0) { $0 + $1.weight }
            guard total >= settings.leadScore else { continue }
            let provenQuiet = quiet ? awake.moment(after: previous, awake: Saturating.nanoseconds(quietAfter)) : nil
            let provenFailing = failing ? failures[settings.failuresForEvidence - 1].start : nil
            let severity = total >= settings.highScore ? 3 : total >= settings.mediumScore ? 2 : 1
            var techniques = ["T1008"]
            if channel.proto == "dns" { techniques.append("T1071.004") }
            if channel.transport == "icmp" || channel.proto == "unknown" { techniques.append("T1095") }
            if reasons.contains(where: { $0.code == "PORT_PROTO_MISMATCH" }) { techniques.append("T1571") }
            var alert = Alert(agent: agent, job: job, attribution: flows[0].attribution, primary: primaryChannel,
                                primaryInterval: expected, primaryPeriodic: rhythm.periodic, primaryLastSeen: Timestamp(nanoseconds: previous),
                                quietSeconds: quiet ? Double(awake.awake(from: previous, to: c)) / 1e9 : 0,
                                evidenceComplete: Timestamp(nanoseconds: max(c, min(provenQuiet ?? .max, provenFailing ?? .max))), fallback: channel,
                                flows: flows.prefix(Alert.maximumFlowsListed).map(\.flow), reasons: reasons, score: total,
                                severity: severity, techniques: techniques)
            alert.primaryFlows = primaryEvents.filter { $0.start < c }.suffix(Alert.maximumPrimaryFlowsListed).map(\.flow)
            let span = (first, max(last, first))
            let history = sessions(normalized(events[agent] ?? [], known: baseline.agents[agent], from: .min).filter { $0.channel == primaryChannel }.sorted { $0.start < $1.start })
            alert.timeline = Alert.Timeline(start: span.0, end: span.1, primary: history.suffix(Alert.Timeline.maximumPoints).map { (time: $0.start, succeeded: $0.succeeded) },
                                            fallback: flows.prefix(Alert.Timeline.maximumPoints).map { ($0.start, $0.flow.communityID.description) },
                                            awake: awake.intervals(from: span.0, to: span.1), quiet: (previous, next))
            alerts.append(alert)
        }
        return alerts
    }
}

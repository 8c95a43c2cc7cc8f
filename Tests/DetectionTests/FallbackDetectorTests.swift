import Attribution
@testable import Flows
import SensorCore
import Testing
@testable import Detection

/// The analytic on agents whose right verdict is known by construction: malicious fallbacks
/// (ICMP after silence, raw TCP right after the primary fails) and benign traps (a quiet agent
/// that comes back, CDN address churn, Zoom's documented UDP 8801 to TCP 443 fallback, an agent
/// without enough baseline, a process of no job).
@Suite struct FallbackDetectorTests {
    static let domains = PublicSuffixList(rules: "com\nnet\norg\nus\nzoom.us\nco.uk\n")
    static let hour = 3600.0

    struct Agent {
        var host = "mac-01"
        var address = "10.0.0.5"
        var label: String? = "com.example.updater"
        var executable = "/Library/Application Support/Example/updater"
        var teamID: String? = "EXAMPLE123"
        var startInterval: Int? = nil
        /// ProgramArguments after the program, and KeepAlive.
        var arguments: [String] = []
        var keepAlive: Bool? = nil

        var attribution: Attribution {
            var job: AgentRecord?
            if let label {
                job = AgentRecord(hostID: host, label: label, plistPath: "/Library/LaunchAgents/\(label).plist", programArguments: [executable] + arguments,
                                  keepAlive: keepAlive, startInterval: startInterval, source: "plist")
            }
            return Attribution(method: .exact, source: "native", confidence: 1, hostID: host,
                               process: ProcessIdentity(pid: 100, executable: executable, teamID: teamID), agent: job, agentMethod: label == nil ? nil : .executable)
        }
    }

    /// One flow of `agent` at hour `t`.
    static func flow(_ agent: Agent, at t: Double, to responder: String, _ port: UInt16, proto: UInt8 = 6, service: [String] = ["ssl"],
                     name: String? = nil, state: String = "SF", portService: String? = "ssl", localPort: UInt16 = 50000) -> (FlowRecord, Attribution) {
        let start = Timestamp(nanoseconds: 1_795_946_400_000_000_000 + Int64(t * hour * 1e9))
        let r = FlowRecord(start: start, end: Timestamp(nanoseconds: start.nanoseconds + 2_000_000_000),
                           connection: ConnectionID(uid: "C\(Int(t * 1e6))-\(port)", originator: IPAddress(agent.address)!, originatorPort: localPort,
                                                    responder: IPAddress(responder)!, responderPort: port, proto: proto),
                           service: service, connState: state, history: state == "S0" ? "S" : "ShADadFf", originatorBytes: state == "S0" ? 0 : 100, responderBytes: state == "S0" ? 0 : 100,
                           originatorPackets: 5, responderPackets: 5, originatorIPBytes: 400, responderIPBytes: 400, missedBytes: 0,
                           localOriginator: true, localResponder: false, vlan: 0, communityID: CommunityID(high: 0, middle: 0, low: 0), resolvedName: name,
                           serverName: name, originatorEntropy: nil, portService: portService, tunnelled: false, interim: false)
        return (r, agent.attribution)
    }

    /// Hourly TLS check-ins of `agent` to updates.example.com from hour `from` to `to` (exclusive).
    static func beacon(_ agent: Agent, from: Int, to: Int, every: Double = 1, address: String = "93.184.216.34") -> [(FlowRecord, Attribution)] {
        stride(from: Double(from), to: Double(to), by: every).map { flow(agent, at: $0, to: address, 443, name: "updates.example.com") }
    }

    /// The host's own background traffic (unattributed, every 10 minutes) while it is awake.
    static func chatter(from: Double, to: Double, host: String = "mac-01") -> [(FlowRecord, Attribution)] {
        stride(from: from, to: to, by: 1.0 / 6).map { t in
            var none = Attribution.none
            none.hostID = host
            return (flow(Agent(host: host), at: t, to: "10.0.0.1", 123, proto: 17, service: [], portService: nil, localPort: 123).0, none)
        }
    }

    /// Runs the detector; the host is awake over the whole span unless `asleep` says otherwise.
    static func run(_ flows: [(FlowRecord, Attribution)], settings: DetectionSettings = DetectionSettings(),
                    asleep: Range<Double>? = nil) -> ([Alert], FallbackDetector) {
        let d = FallbackDetector(settings: settings, domains: domains)
        let end = flows.map { $0.0.end.secondsDouble }.max() ?? 0
        let hours = (end - 1_795_946_400) / hour
        var background = chatter(from: 0, to: hours)
        if let asleep { background.removeAll { asleep.contains(($0.0.start.secondsDouble - 1_795_946_400) / hour) } }
        for (r, a) in flows + background { d.observe(r, a) }
        return (d.finish(), d)
    }

    @Test func icmpAfterTheUpdaterWentQuietIsAHighAlert() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        for k in 0..<120 { flows.append(Self.flow(agent, at: 52 + Double(k) / 6, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        let (alerts, detector) = Self.run(flows)
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert.severity == 3 && alert.score == 4.5, "\(alert.reasons)")
        #expect(alert.reasons.map(\.code) == ["QUIET_PRIMARY", "NEW_TRANSPORT", "NEW_DEST", "DIRECT_IP_NO_DNS"])
        #expect(alert.primary.description == "example.com tcp/443 ssl" && alert.fallback.description == "203.0.113.0/24 icmp/* unknown")
        #expect(alert.primaryInterval == 3600 && abs(alert.quietSeconds - 5 * 3600) < 1)
        #expect(alert.techniques == ["T1008", "T1095"] && alert.riskScore == 75)
        #expect(alert.reasons[0].detail.contains("3.0× its 3600 s interval") || alert.reasons[0].detail.contains("its 3600 s interval"))
        #expect(detector.summary.withPrimary == 1 && detector.summary.candidates == 1)
    }

    static func echo(uid: String, requests: UInt64 = 30, payload: Int, entropy: Double, differing: UInt64) -> ICMPEchoSummary {
        var s = ICMPEchoSummary(start: .zero, connection: ConnectionID(uid: uid, originator: IPAddress("10.0.0.5")!, originatorPort: 8,
                                                                         responder: IPAddress("203.0.113.9")!, responderPort: 0, proto: 1))
        s.requests = requests
        s.replies = requests
        s.requestBytes = requests * UInt64(payload)
        s.replyBytes = requests * UInt64(payload)
        s.payloadMinimum = payload
        s.payloadMaximum = payload
        s.meanEntropy = entropy
        s.differingReplies = differing
        return s
    }

    @Test func icmpTunnelEvidenceSeparatesPingFromATunnel() throws {
        // macOS ping: 56 bytes of timestamp and counting pattern, echoed back (entropy at most log2(56) ≈ 5.8).
        let ping = try #require(ICMPTunnelEvidence([Self.echo(uid: "a", payload: 56, entropy: 5.1, differing: 0)]))
        #expect(!ping.isTunnel)
        // Random 512-byte payloads that are echoed (a data carrier that only sends).
        #expect(try #require(ICMPTunnelEvidence([Self.echo(uid: "b", payload: 512, entropy: 7.6, differing: 0)])).highEntropy)
        // High entropy in short payloads is not enough: 64 bytes cannot reach 6 bits of evidence.
        #expect(try #require(ICMPTunnelEvidence([Self.echo(uid: "c", payload: 64, entropy: 6.0, differing: 0)])).isTunnel == false)
        // Replies carrying other bytes, whatever their size.
        let mismatch = try #require(ICMPTunnelEvidence([Self.echo(uid: "d", payload: 56, entropy: 5.0, differing: 3),
                                                        Self.echo(uid: "e", payload: 56, entropy: 5.0, differing: 0)]))
        #expect(mismatch.isTunnel && mismatch.flows == 2 && mismatch.detail.contains("3 replies not echoing"))
        #expect(ICMPTunnelEvidence([]) == nil)
    }

    @Test func icmpEchoStatisticsOfTheFallbackAddTheTunnelReason() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        for k in 0..<12 { flows.append(Self.flow(agent, at: 52 + Double(k) / 2, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        let d = FallbackDetector(domains: Self.domains)
        for (r, a) in flows + Self.chatter(from: 0, to: 58) { d.observe(r, a) }
        for (r, _) in flows where r.connection.proto == 1 { d.observe(echo: Self.echo(uid: r.connection.uid, payload: 512, entropy: 7.5, differing: 30)) }
        let alert = try #require(d.finish().first)
        let tunnel = try #require(alert.reasons.first { $0.code == "ICMP_TUNNEL" })
        #expect(tunnel.weight == 2 && tunnel.detail.contains("12 echo flows, 360 requests") && tunnel.detail.contains("360 replies not echoing"))
    }

    @Test func mostAgentsOfAHostGoingQuietTogetherIsAPathChangeNotAFallback() throws {
        let a = Agent(), b = Agent(label: "com.example.b", executable: "/opt/b"), c = Agent(label: "com.example.c", executable: "/opt/c")
        func run(quietTogether: [Agent]) -> ([Alert], FallbackDetector) {
            var flows: [(FlowRecord, Attribution)] = []
            for (k, agent) in [a, b, c].enumerated() {
                let end = quietTogether.contains { $0.label == agent.label } ? 46 : 58
                flows += stride(from: 0.1 * Double(k), to: Double(end), by: 1).map { Self.flow(agent, at: $0, to: "93.184.216.\(30 + k)", 443, name: "svc\(k).example\(k).com") }
            }
            for k in 0..<60 { flows.append(Self.flow(a, at: 46.2 + Double(k) / 6, to: "203.0.113.9", 4500, proto: 17, service: [], portService: nil)) }
            return Self.run(flows)
        }
        // Only `a` went quiet: its new UDP channel is judged.
        let (alone, _) = run(quietTogether: [a])
        #expect(alone.count == 1 && alone.first?.agent.label == a.label)
        // One of the two others silent too is not "most of the host": still judged.
        #expect(run(quietTogether: [a, b]).0.count == 1)
        // All three fell silent in the same hour: the host's path changed.
        let (together, detector) = run(quietTogether: [a, b, c])
        #expect(together.isEmpty, "\(together.map(\.reasons))")
        #expect(detector.summary.pathChanges == 1)
    }

    /// The primary fails in each way DETECTION.md 3.3 names; an unknown protocol follows.
    @Test(arguments: ["TLS alert", "HTTP", "NXDOMAIN", "SERVFAIL", "ICMP unreachable"])
    func everyKindOfFailureEvidenceCounts(kind: String) throws {
        let agent = Agent()
        // An HTTP error needs a primary that speaks HTTP.
        let http = kind == "HTTP"
        var flows = http ? (0..<48).map { Self.flow(agent, at: Double($0), to: "93.184.216.34", 80, service: ["http"], name: "updates.example.com", portService: "http") }
            : Self.beacon(agent, from: 0, to: 48)
        let d = FallbackDetector(domains: Self.domains)
        let at = { (k: Int) in 48 + Double(k) * 0.02 }
        for k in 0..<3 {
            switch kind {
            case "TLS alert", "HTTP":
                let (r, a) = Self.flow(agent, at: at(k), to: "93.184.216.34", http ? 80 : 443, service: http ? ["http"] : ["ssl"], name: "updates.example.com",
                                       portService: http ? "http" : "ssl")
                flows.append((r, a))
                if kind == "HTTP" {
                    var t = HTTPTransaction(start: r.start, connection: r.connection, depth: 1)
                    t.statusCode = 503
                    d.observe(http: t)
                } else {
                    var s = SSLSession(start: r.start, connection: r.connection)
                    s.lastAlert = 40
                    d.observe(ssl: s)
                }
            case "NXDOMAIN", "SERVFAIL":
                var t = DNSTransaction(start: Self.flow(agent, at: at(k), to: "10.0.0.1", 53).0.start,
                                       connection: ConnectionID(uid: "D\(k)", originator: IPAddress("10.0.0.5")!, originatorPort: 5353,
                                                                responder: IPAddress("10.0.0.1")!, responderPort: 53, proto: 17), transactionID: 1)
                t.query = Array("updates.example.com".utf8)
                t.qtype = 1
                t.rcode = kind == "NXDOMAIN" ? 3 : 2
                d.observe(dns: t)
            default:
                let (r, a) = Self.flow(agent, at: at(k), to: "93.184.216.34", 443, service: [], name: "updates.example.com", state: "OTH")
                flows.append((r, a))
                d.observe(unreachable: ICMPUnreachable(time: r.start, reporter: IPAddress("192.0.2.1")!, code: 1, client: IPAddress("10.0.0.5")!,
                                                       server: IPAddress("93.184.216.34")!, proto: 6, serverPort: 443))
            }
        }
        for k in 0..<30 { flows.append(Self.flow(agent, at: 48.2 + Double(k) / 2, to: "198.51.100.7", 4444, service: [], portService: nil)) }
        for (r, a) in flows + Self.chatter(from: 0, to: 64) { d.observe(r, a) }
        let alert = try #require(d.finish().first)
        let failing = try #require(alert.reasons.first { $0.code == "PRIMARY_FAILING" }, "\(alert.reasons)")
        #expect(failing.detail.hasPrefix("3 failed attempts") && failing.detail.contains(kind), "\(failing.detail)")
        #expect(alert.reasons.contains { $0.code == "TIGHT_SWITCH" })
    }

    @Test func aFallbackChannelThatReturnsDaysLaterIsANewEpisode() {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48) + Self.beacon(agent, from: 56, to: 70)
        for start in [52.0, 80.0] {
            for k in 0..<12 { flows.append(Self.flow(agent, at: start + Double(k) / 6, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        }
        flows.append(Self.flow(agent, at: 95, to: "10.0.0.1", 123, proto: 17, service: [], portService: nil))
        let (alerts, _) = Self.run(flows)
        #expect(alerts.count == 2 && alerts.allSatisfy { $0.fallback.transport == "icmp" }, "\(alerts.map(\.start))")
        var settings = DetectionSettings()
        settings.episodeGap = 7 * 86_400
        #expect(Self.run(flows, settings: settings).0.count == 1)
    }

    @Test func anAperiodicPrimaryIsQuietByThePoissonRule() throws {
        let agent = Agent()
        // Gaps alternate 0.5 h and 2 h: T = 1.25 h, σ = 1.11 h, so the periodic rule would wait
        // T + 5σ = 6.8 h; the Poisson rule waits 4.6 mean gaps = 5.8 h.
        var times: [Double] = [0]
        while times.last! < 46 { times.append(times.last! + (times.count % 2 == 1 ? 0.5 : 2)) }
        var flows = times.map { Self.flow(agent, at: $0, to: "93.184.216.34", 443, name: "updates.example.com") }
        let previous = times.last!
        flows.append(Self.flow(agent, at: previous + 6.2, to: "93.184.216.34", 443, name: "updates.example.com"))
        for k in 0..<6 { flows.append(Self.flow(agent, at: previous + 6 + Double(k) / 30, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        flows.append(Self.flow(agent, at: 90, to: "10.0.0.1", 123, proto: 17, service: [], portService: nil))
        let alert = try #require(Self.run(flows).0.first)
        #expect(!alert.primaryPeriodic && alert.reasons[0].detail.contains("aperiodic"), "\(alert.reasons[0].detail)")
        // The hourly beacon is periodic.
        var beacon = Self.beacon(agent, from: 0, to: 48)
        for k in 0..<30 { beacon.append(Self.flow(agent, at: 52 + Double(k) / 6, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        #expect(try #require(Self.run(beacon).0.first).primaryPeriodic)
    }

    @Test func hostsInProgramArgumentsAreRead() {
        let domains = PublicSuffixList(rules: "com\nnet\n")
        let args = ["/opt/agent", "--server=https://user@c2.example-bad.com:8443/api?x=1", "updates.example.com", "-v", "/etc/agent.conf",
                    "8.8.8.8", "http://[::1]:80/", "notes.txt", "run.sh", "agent.py", "unknown.tld", String(repeating: "a.", count: 3000) + "com"]
        #expect(ProgramArgumentHosts.domains(args, domains: domains) == ["example-bad.com", "example.com"])
        // The program itself is not an argument.
        #expect(ProgramArgumentHosts.domains(["https://example.com/agent"], domains: domains).isEmpty)
    }

    @Test func thePlistPriorBreaksTiesAndIsNamedInTheReasons() throws {
        var baseline = Baseline()
        let key = AgentKey(host: "h", label: "l", program: "/p", teamID: nil)
        var entry = Baseline.Agent()
        for d in ["a-cdn.net", "z-vendor.com"] {
            let c = ChannelKey(destination: d, transport: "tcp", port: 443, proto: "ssl", isAddress: false)
            entry.channels[c] = Baseline.Channel(channel: c, sessions: 10, successfulSessions: 10, days: [1, 2], first: 0, last: 1)
        }
        baseline.agents[key] = entry
        #expect(baseline.primary(of: key, minimumSessions: 6)?.channel.destination == "a-cdn.net")
        #expect(baseline.primary(of: key, minimumSessions: 6, preferring: ["z-vendor.com"])?.channel.destination == "z-vendor.com")
        // A fallback to a host the plist names says so (RUSTBUCKET passes its C2 URL that way).
        let agent = Agent(arguments: ["--c2", "https://c2.example-relay.net/x"])
        var flows = Self.beacon(agent, from: 0, to: 48)
        for k in 0..<12 { flows.append(Self.flow(agent, at: 52 + Double(k) / 2, to: "198.51.100.9", 7443, service: [], name: "c2.example-relay.net", portService: nil)) }
        let alert = try #require(Self.run(flows).0.first)
        #expect(alert.reasons.contains { $0.code == "PLIST_NAMED_HOST" && $0.detail.contains("example-relay.net") })
    }

    @Test func scriptsKeptAliveUnderAnInterpreterAndApplesOwnHostsAreWeighed() throws {
        let script = Agent(label: "com.example.sh", executable: "/bin/bash", teamID: nil, arguments: ["-c", "/Users/a/.x/run.sh"], keepAlive: true)
        var flows = Self.beacon(script, from: 0, to: 48)
        for k in 0..<12 { flows.append(Self.flow(script, at: 52 + Double(k) / 2, to: "198.51.100.9", 7443, service: [], portService: nil)) }
        let alert = try #require(Self.run(flows).0.first)
        let unsigned = try #require(alert.reasons.first { $0.code == "UNSIGNED_AGENT" })
        #expect(unsigned.detail.contains("/Users/a/.x/run.sh") && unsigned.detail.contains("/bin/bash"))
        // Without KeepAlive an interpreter is no evidence (Jamf and Homebrew run scripts too).
        var plain = script
        plain.keepAlive = nil
        flows = Self.beacon(plain, from: 0, to: 48)
        for k in 0..<12 { flows.append(Self.flow(plain, at: 52 + Double(k) / 2, to: "198.51.100.9", 7443, service: [], portService: nil)) }
        #expect(try #require(Self.run(flows).0.first).reasons.contains { $0.code == "UNSIGNED_AGENT" } == false)
        // An Apple platform binary moving to another Apple domain is credited.
        let apple = Agent(label: "com.apple.cloudd", executable: "/System/Library/PrivateFrameworks/CloudKitDaemon.framework/cloudd", teamID: nil)
        flows = Self.beacon(apple, from: 0, to: 48)
        for k in 0..<12 { flows.append(Self.flow(apple, at: 52 + Double(k) / 2, to: "17.248.1.1", 443, name: "gateway.icloud.com")) }
        let d = FallbackDetector(domains: PublicSuffixList(rules: "com\n"))
        for (r, a) in flows + Self.chatter(from: 0, to: 58) { d.observe(r, a) }
        #expect(d.finish().isEmpty)
    }

    @Test func aVendorLabelSignedByAnotherTeamIsAMasquerade() throws {
        for (team, expected) in [("EQHXZ8M8AV", false), ("ABCDE12345", true)] {
            let agent = Agent(label: "com.google.keystone.agent", executable: "/Users/a/Library/Google/update", teamID: team)
            var flows = Self.beacon(agent, from: 0, to: 48)
            for k in 0..<12 { flows.append(Self.flow(agent, at: 52 + Double(k) / 2, to: "198.51.100.9", 7443, service: [], portService: nil)) }
            let alert = try #require(Self.run(flows).0.first)
            let masquerade = alert.reasons.first { $0.code == "LABEL_MASQUERADE" }
            #expect((masquerade != nil) == expected && (masquerade?.detail.contains("Google") ?? true), "\(alert.reasons)")
        }
    }

    @Test func awakeTimeFindsWhenSilenceWasProven() {
        let s: Int64 = 1_000_000_000
        // Awake 0-20 s and 100-140 s (flows at 10, 100..130, margin 10 s).
        let awake = AwakeTime(activity: [10 * s, 110 * s, 130 * s], margin: 10 * s)
        #expect(awake.awake(from: 0, to: 200 * s) == 60 * s)
        #expect(awake.moment(after: 5 * s, awake: 25 * s) == 110 * s + 1)
        #expect(awake.moment(after: 0, awake: 60 * s) == nil)
    }

    @Test func aFallbackThatStartsBeforeTheSilenceIsProvenIsDetectedWhenItIs() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        // The last check-in is at hour 47; ICMP starts at 48.5, the silence (3 h) is proven at 50.
        for k in 0..<60 { flows.append(Self.flow(agent, at: 48.5 + Double(k) / 6, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        let alert = try #require(Self.run(flows).0.first)
        let hours = { (t: Timestamp) in (t.secondsDouble - 1_795_946_400) / Self.hour }
        #expect(abs(hours(alert.start) - 48.5) < 0.001)
        #expect(abs(hours(alert.evidenceComplete) - 50) < 0.001, "\(hours(alert.evidenceComplete))")
    }

    @Test func aPathChangeOnTheHostIsDrawnOnItsOtherAlertsTimelines() throws {
        let agents = ["a", "b", "c", "d"].map { Agent(label: "com.example.\($0)", executable: "/opt/\($0)") }
        var flows: [(FlowRecord, Attribution)] = []
        for (k, agent) in agents.enumerated() {
            let end = agent.label == "com.example.d" ? 50 : 46
            flows += stride(from: 0.1 * Double(k), to: Double(end), by: 1).map { Self.flow(agent, at: $0, to: "93.184.216.\(30 + k)", 443, name: "svc\(k).example\(k).com") }
        }
        // a, b and c fall silent together at 46 (a reaches for ICMP: suppressed); d fails alone at 50.
        for k in 0..<12 { flows.append(Self.flow(agents[0], at: 46.2 + Double(k) / 6, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        for k in 0..<30 { flows.append(Self.flow(agents[3], at: 50.2 + Double(k) / 6, to: "203.0.113.10", 0, proto: 1, service: [], portService: nil)) }
        let (alerts, detector) = Self.run(flows)
        let alert = try #require(alerts.first)
        #expect(alerts.count == 1 && alert.agent.label == "com.example.d" && detector.summary.pathChanges == 1, "\(alerts.map { "\($0.agent) \($0.reasons.map(\.detail))" }) \(detector.summary.pathChanges)")
        #expect(alert.timeline?.pathChanges.count == 1)
    }

    @Test func fleetPrevalenceCountsTheOtherHostsRunningTheSameAgent() {
        var fleet = FleetFacts()
        let agent = { (host: String, program: String) in AgentKey(host: host, label: "com.example.helper", program: program, teamID: "EXAMPLE123") }
        for k in 0..<20 { fleet.note(agent("mac-\(k)", "/opt/example-\(k % 2)/helper"), destinations: ["example.com"] + (k < 12 ? ["example-cdn.net"] : [])) }
        fleet.note(agent("mac-0", "/opt/example-0/helper"), destinations: ["rare.example"])
        // The program's file name, not its folder, names the fleet agent; another signer is another agent.
        #expect(fleet.prevalence(of: "example-cdn.net", for: agent("mac-3", "/Applications/X/helper")) == (20, 11))
        #expect(fleet.prevalence(of: "rare.example", for: agent("mac-0", "/opt/x/helper")) == (20, 0))
        #expect(fleet.prevalence(of: "rare.example", for: agent("mac-5", "/opt/x/helper")) == (20, 1))
        #expect(fleet.prevalence(of: "example.com", for: AgentKey(host: "mac-1", label: "com.example.helper", program: "/opt/helper", teamID: "OTHER")) == (0, 0))
    }

    @Test func rawTCPRightAfterThePrimaryFailsIsAHighAlertWithFailureEvidence() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        // Three SYNs without an answer, then an unknown protocol on an odd port by address.
        for k in 0..<3 { flows.append(Self.flow(agent, at: 48 + Double(k) * 0.05, to: "93.184.216.34", 443, service: [], name: "updates.example.com", state: "S0")) }
        for k in 0..<30 { flows.append(Self.flow(agent, at: 48.2 + Double(k) / 2, to: "198.51.100.7", 4444, service: [], portService: nil)) }
        let (alerts, _) = Self.run(flows)
        let alert = try #require(alerts.first)
        #expect(alerts.count == 1)
        #expect(alert.reasons.map(\.code).contains("PRIMARY_FAILING") && alert.reasons.map(\.code).contains("NEW_TRANSPORT"))
        #expect(alert.reasons.map(\.code).contains("TIGHT_SWITCH") && alert.severity == 3)
        #expect(alert.fallback.port == 4444 && alert.flows.count == 20)
    }

    @Test func aBaselineLearnedFromOneCaptureJudgesTheNext() throws {
        let agent = Agent()
        // Week one: hourly check-ins. Week two: silence, then ICMP.
        let first = Self.beacon(agent, from: 0, to: 48) + Self.chatter(from: 0, to: 48)
        var second = (0..<120).map { Self.flow(agent, at: 52 + Double($0) / 6, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil) }
        second += Self.chatter(from: 48, to: 72)
        let learner = FallbackDetector(domains: Self.domains)
        for (r, a) in first { learner.observe(r, a) }
        var baseline = Baseline()
        learner.learn(into: &baseline)
        #expect(baseline.primary(of: AgentKey(agent.attribution)!, minimumSessions: 6)?.channel.description == "example.com tcp/443 ssl")
        #expect(baseline.agents.count == 1 && baseline.destinations["example.com"] != nil)
        let judge = FallbackDetector(domains: Self.domains)
        for (r, a) in second { judge.observe(r, a) }
        let alert = try #require(judge.finish(baseline: baseline).first)
        #expect(alert.reasons.map(\.code) == ["QUIET_PRIMARY", "NEW_TRANSPORT", "NEW_DEST", "DIRECT_IP_NO_DNS"])
        // Without the baseline the second capture alone teaches nothing.
        let alone = FallbackDetector(domains: Self.domains)
        for (r, a) in second { alone.observe(r, a) }
        #expect(alone.finish().isEmpty)
    }

    @Test func anAgentThatComesBackOnItsOwnChannelOrANewAddressOfItsDomainIsNoAlert() {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        // Silent for 12 h (a powered-off laptop), then back, through a new CDN address.
        flows += Self.beacon(agent, from: 60, to: 96, address: "151.101.1.69")
        let (alerts, detector) = Self.run(flows)
        #expect(alerts.isEmpty)
        #expect(detector.summary.candidates == 0)
    }

    @Test func zoomsDocumentedFallbackIsCreditedNotAlerted() {
        let zoom = Agent(label: "us.zoom.ZoomDaemon", executable: "/Applications/zoom.us.app/Contents/MacOS/ZoomDaemon", teamID: "BJ4HAAB9B3")
        var flows = (0..<48).map { Self.flow(zoom, at: Double($0), to: "170.114.52.2", 8801, proto: 17, service: [], name: "zoom.us", portService: nil) }
        flows += (0..<20).map { Self.flow(zoom, at: 54 + Double($0), to: "170.114.52.3", 443, name: "zoom.us") }
        let (alerts, _) = Self.run(flows)
        #expect(alerts.isEmpty)
        // The same move by an agent of another signer scores.
        let other = Agent(label: "com.example.meet", executable: "/Applications/Meet.app/Contents/MacOS/meetd", teamID: "OTHER12345")
        var moved = (0..<48).map { Self.flow(other, at: Double($0), to: "170.114.52.2", 8801, proto: 17, service: [], name: "zoom.us", portService: nil) }
        moved += (0..<20).map { Self.flow(other, at: 54 + Double($0), to: "198.51.100.9", 443, service: [], portService: "ssl") }
        let (scored, _) = Self.run(moved)
        #expect(scored.count == 1 && scored.first?.reasons.contains { $0.code == "PORT_PROTO_MISMATCH" } == true)
    }

    @Test func dnsOverHTTPSToAPublicResolverAfterSilenceIsAnAlert() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        flows += (0..<20).map { Self.flow(agent, at: 52 + Double($0) / 4, to: "8.8.8.8", 443, name: "dns.google") }
        let alert = try #require(Self.run(flows).0.first)
        #expect(alert.reasons.map(\.code) == ["QUIET_PRIMARY", "NEW_DEST", "DOH_NONCORP"] && alert.severity == 2)
        // An approved resolver is no evidence.
        var approved = DetectionSettings()
        approved.approvedResolvers = ["dns.google"]
        #expect(Self.run(flows, settings: approved).0.isEmpty)
    }

    @Test func aDNSTXTTunnelToAPublicResolverIsScoredFromItsQueries() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        var questions: [DNSTransaction] = []
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var seed: UInt64 = 42
        for k in 0..<150 {
            let (r, a) = Self.flow(agent, at: 52 + Double(k) / 30, to: "8.8.8.8", 53, proto: 17, service: ["dns"], portService: "dns", localPort: UInt16(40000 + k))
            flows.append((r, a))
            let label = String((0..<48).map { _ in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1
                return alphabet[Int(seed >> 59)]
            })
            questions.append(DNSTransaction(start: r.start, connection: r.connection, transactionID: UInt16(k),
                                            query: Array("\(label).t.tunnel-example.com".utf8), qtype: 16))
        }
        let d = FallbackDetector(domains: Self.domains)
        for (r, a) in flows + Self.chatter(from: 0, to: 58) { d.observe(r, a) }
        for q in questions { d.observe(dns: q) }
        let alert = try #require(d.finish().first)
        let tunnel = try #require(alert.reasons.first { $0.code == "DNS_TUNNEL" })
        #expect(tunnel.detail.contains("tunnel-example.com: 150 unique subdomains in 150 queries") && tunnel.detail.contains("TXT+NULL 100%"), "\(tunnel.detail)")
        #expect(alert.reasons.map(\.code).contains("NEW_TRANSPORT") && alert.severity == 3 && alert.techniques.contains("T1071.004"))
        // Ordinary lookups through the same resolver score nothing.
        let plain = DNSTunnelScore.strongest((0..<30).map { .init(name: "www\($0 % 3).example.com", type: 1, connected: true) }, domains: Self.domains)
        #expect(plain?.isTunnel == false && plain?.uniqueSubdomains == 3 && plain?.neverConnected == 0)
    }

    @Test func informationPerDayAndNamesNeverConnectedToAreCounted() throws {
        let day: Int64 = 86_400_000_000_000
        // 60 answered names with 60-character hex labels on one day, none connected to.
        let hex = Array("0123456789abcdef")
        var queries: [DNSTunnelScore.Query] = []
        var seed: UInt64 = 7
        for k in 0..<60 {
            let label = String((0..<60).map { _ in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return hex[Int(seed >> 60)]
            })
            queries.append(.init(name: "\(label).x.example.com", type: 1, time: 3 * day + Int64(k), connected: false))
        }
        let s = try #require(DNSTunnelScore.strongest(queries, domains: Self.domains))
        #expect(s.neverConnected == 60 && s.informationPerDay > 1500 && s.informationPerDay < 60 * 62)
        // The same names spread over 30 days carry a thirtieth of it per day.
        let spread = queries.enumerated().map { var q = $0.element; q.time = Int64($0.offset % 30) * day; return q }
        #expect(try #require(DNSTunnelScore.strongest(spread, domains: Self.domains)).informationPerDay < s.informationPerDay / 10)
    }

    @Test func aChildProcessDoingTheFallbackIsNamed() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        // The job starts curl, which reaches a new server by address on 443 with its own bytes.
        for k in 0..<20 {
            var (r, a) = Self.flow(agent, at: 52 + Double(k) / 4, to: "198.51.100.30", 443, service: [], portService: "ssl")
            a.process = ProcessIdentity(pid: 4321, ppid: 100, executable: "/usr/bin/curl")
            a.agentMethod = .parent
            flows.append((r, a))
        }
        let alert = try #require(Self.run(flows).0.first)
        let child = try #require(alert.reasons.first { $0.code == "NEW_CHILD_NET" })
        #expect(child.detail.contains("/usr/bin/curl (pid 4321, parent 100)") && child.weight == 1.0)
    }

    @Test func theAllowlistCreditsAVendorsExpectedDestinationsAndMoves() throws {
        let agent = Agent()
        var flows = Self.beacon(agent, from: 0, to: 48)
        flows += (0..<20).map { Self.flow(agent, at: 52 + Double($0) / 4, to: "198.51.100.9", 8443, service: [], name: "dl.example-cdn.net", portService: nil) }
        let alert = try #require(Self.run(flows).0.first)
        #expect(alert.score == 4.0)  // NEW_TRANSPORT, NEW_PORT, NEW_DEST
        var settings = DetectionSettings()
        settings.allowlist = [AllowlistEntry(teamID: "EXAMPLE123", label: "com.example.*", destinations: ["example-cdn.net"], fallbacks: [("tcp/443", "tcp/8443")])]
        let (credited, _) = Self.run(flows, settings: settings)
        #expect(credited.isEmpty)
        // The same label from another signer gets no credit.
        settings.allowlist[0].teamID = "SOMEONEELSE"
        #expect(Self.run(flows, settings: settings).0.first?.score == 4.0)
    }

    @Test func aLaptopThatSleptIsNotQuiet() throws {
        let agent = Agent()
        // Asleep from hour 30 to hour 36: no check-ins, no traffic at all. On wake the agent
        // first reaches a licence server it never used, over its own protocol on port 8443.
        var flows = Self.beacon(agent, from: 0, to: 30)
        flows += (36..<60).map { Self.flow(agent, at: Double($0) - 0.02, to: "151.101.1.69", 8443, service: [], name: "license.example-vendor.net", portService: nil) }
        flows += Self.beacon(agent, from: 36, to: 60)
        let (alerts, detector) = Self.run(flows, asleep: 30..<36)
        #expect(alerts.isEmpty && detector.summary.candidates == 1)
        // Measured in wall time (the host counted awake throughout) the sleep looks like silence.
        var wall = DetectionSettings()
        wall.awakeMargin = 1e7
        let (wallAlerts, _) = Self.run(flows, settings: wall, asleep: 30..<36)
        #expect(try #require(wallAlerts.first).reasons.first?.code == "QUIET_PRIMARY")
    }

    @Test func noBaselineNoJobNoAlert() {
        // Four sessions are too few for a primary.
        let young = Agent()
        var flows = Self.beacon(young, from: 0, to: 4)
        flows += (0..<10).map { Self.flow(young, at: 30 + Double($0), to: "203.0.113.9", 0, proto: 1, service: [], portService: nil) }
        let (alerts, detector) = Self.run(flows)
        #expect(alerts.isEmpty && detector.summary.insufficientBaseline == 1)
        // A process of no launchd job is not a background agent.
        let app = Agent(label: nil)
        var appFlows = Self.beacon(app, from: 0, to: 48)
        appFlows += (0..<10).map { Self.flow(app, at: 60 + Double($0), to: "203.0.113.9", 0, proto: 1, service: [], portService: nil) }
        #expect(Self.run(appFlows).0.isEmpty)
    }

    @Test func aMasqueradingAppleLabelWithoutSignatureAddsItsReasons() throws {
        let fake = Agent(label: "com.apple.systemupdate", executable: "/Users/alice/Library/.cache/systemupdate", teamID: nil)
        var flows = Self.beacon(fake, from: 0, to: 48)
        flows += (0..<10).map { Self.flow(fake, at: 53 + Double($0), to: "198.51.100.20", 8443, service: ["ssl"], portService: nil) }
        let (alerts, _) = Self.run(flows)
        let codes = try #require(alerts.first).reasons.map(\.code)
        #expect(codes.contains("LABEL_MASQUERADE") && codes.contains("UNSIGNED_AGENT") && codes.contains("NEW_PORT"))
    }
}

@Suite struct PublicSuffixListTests {
    @Test func registeredDomainsFollowTheListsRules() {
        let psl = PublicSuffixList(rules: "// comment\ncom\nuk\nco.uk\n*.ck\n!www.ck\ngithub.io\nio\n")
        #expect(psl.registeredDomain("updates.example.com") == "example.com")
        #expect(psl.registeredDomain("Example.COM.") == "example.com")
        #expect(psl.registeredDomain("a.b.example.co.uk") == "example.co.uk")
        #expect(psl.registeredDomain("co.uk") == nil)
        #expect(psl.registeredDomain("x.y.ck") == "x.y.ck")
        #expect(psl.registeredDomain("www.ck") == "www.ck")
        #expect(psl.registeredDomain("a.www.ck") == "www.ck")
        #expect(psl.registeredDomain("someone.github.io") == "someone.github.io")
        #expect(psl.registeredDomain("unlisted.tld") == "unlisted.tld")  // the implicit * rule
        #expect(psl.registeredDomain("10.1.2.3") == nil && psl.registeredDomain("::1") == nil)
        #expect(psl.registeredDomain("") == nil && psl.registeredDomain("a..com") == nil)
    }

    @Test func theShippedListIsComplete() throws {
        let psl = try #require(PublicSuffixList.shipped)
        #expect(psl.ruleCount > 8000)
        #expect(psl.registeredDomain("foo.bar.example.co.uk") == "example.co.uk")
        #expect(psl.registeredDomain("user.github.io") == "user.github.io")
        #expect(psl.registeredDomain("a.b.s3.amazonaws.com") != "amazonaws.com")
    }
}

/// Regressions for hostile values found in review.
extension FallbackDetectorTests {
    @Test func extremeTimesAndIntervalsDoNotTrap() {
        var huge = Agent()
        huge.startInterval = Int.max
        var flows = Self.beacon(huge, from: 0, to: 48)
        flows += (0..<10).map { Self.flow(huge, at: 52 + Double($0), to: "203.0.113.9", 0, proto: 1, service: [], portService: nil) }
        _ = Self.run(flows)
        // Flows at both ends of the Int64 range.
        let d = FallbackDetector(domains: Self.domains)
        for (ns, agent) in [(Int64.min + 10, Agent()), (Int64.max - 10_000_000_000, Agent())] {
            var (r, a) = Self.flow(agent, at: 0, to: "203.0.113.9", 443)
            r.start = Timestamp(nanoseconds: ns)
            r.end = r.start
            d.observe(r, a)
        }
        _ = d.finish()
    }

    @Test func flowsArrivingOutOfOrderLearnTheSameRhythm() throws {
        let agent = Agent()
        let flows = Self.beacon(agent, from: 0, to: 48) + Self.chatter(from: 0, to: 48)
        var ordered = Baseline(), reversed = Baseline()
        let a = FallbackDetector(domains: Self.domains), b = FallbackDetector(domains: Self.domains)
        for (r, x) in flows { a.observe(r, x) }
        for (r, x) in flows.reversed() { b.observe(r, x) }
        a.learn(into: &ordered)
        b.learn(into: &reversed)
        let key = try #require(AgentKey(agent.attribution))
        #expect(ordered.agents[key]?.channels == reversed.agents[key]?.channels)
        #expect(ordered.primary(of: key, minimumSessions: 6)?.gaps.allSatisfy { $0 > 0 } == true)
    }
}

@testable import Flows
import SensorCore
import Testing
@testable import Attribution

/// The correlator on scenarios whose right answer is known by construction.
@Suite struct CorrelatorTests {
    static let t0: Int64 = 1_795_946_400

    static func at(_ seconds: Double) -> Timestamp { Timestamp(nanoseconds: (t0 * 1_000_000_000) + Int64(seconds * 1e9)) }

    static func flow(_ o: String, _ op: UInt16, _ r: String, _ rp: UInt16, proto: UInt8 = 6, at start: Double, for duration: Double = 1) -> FlowRecord {
        FlowRecord(start: at(start), end: at(start + duration),
                   connection: ConnectionID(uid: "C", originator: IPAddress(o)!, originatorPort: op, responder: IPAddress(r)!,
                                            responderPort: rp, proto: proto),
                   service: [], connState: "SF", history: "ShADadFf", originatorBytes: 10, responderBytes: 10,
                   originatorPackets: 5, responderPackets: 5, originatorIPBytes: 300, responderIPBytes: 300, missedBytes: 0,
                   localOriginator: true, localResponder: false, vlan: 0, communityID: CommunityID(high: 0, middle: 0, low: 0), resolvedName: nil,
                   serverName: nil, originatorEntropy: nil, portService: nil, tunnelled: false, interim: false)
    }

    static func socket(_ host: String, pid: Int32, exe: String? = nil, label: String? = nil, ppid: Int32? = nil, _ event: SocketRecord.Event,
                       at time: Double, _ local: String?, _ lport: UInt16, _ remote: String?, _ rport: UInt16, proto: UInt8 = 6,
                       source: String = "native") -> FeedRecord {
        .socket(SocketRecord(time: at(time), hostID: host, event: event, transport: proto, localAddress: local.flatMap(IPAddress.init),
                             localPort: lport, remoteAddress: remote.flatMap(IPAddress.init), remotePort: rport,
                             process: ProcessIdentity(pid: pid, ppid: ppid, executable: exe, label: label), source: source))
    }

    @Test func exactMatchesFollowOpenCloseLifetimesThroughPortReuse() {
        let c = Correlator()
        c.ingest([
            Self.socket("h1", pid: 100, exe: "/usr/bin/curl", .open, at: 10, "10.0.0.5", 50000, "1.1.1.1", 443),
            Self.socket("h1", pid: 100, exe: "/usr/bin/curl", .close, at: 20, "10.0.0.5", 50000, "1.1.1.1", 443),
            // The same tuple reused later by another process.
            Self.socket("h1", pid: 200, exe: "/usr/bin/wget", .open, at: 60, "10.0.0.5", 50000, "1.1.1.1", 443),
        ])
        let first = c.attribute(Self.flow("10.0.0.5", 50000, "1.1.1.1", 443, at: 10.01))
        #expect(first.method == .exact && first.process?.pid == 100 && first.confidence == 1 && first.hostID == "h1")
        let second = c.attribute(Self.flow("10.0.0.5", 50000, "1.1.1.1", 443, at: 60.02))
        #expect(second.method == .exact && second.process?.pid == 200 && second.process?.executable == "/usr/bin/wget")
        // Another port on the same host with no record at all stays unattributed but keeps its host.
        let unknown = c.attribute(Self.flow("10.0.0.5", 50001, "8.8.8.8", 443, at: 11))
        #expect(unknown.method == .none && unknown.hostID == "h1" && unknown.confidence == 0)
    }

    @Test func icmpFlowsMatchTheirSocketByAddresses() throws {
        let c = Correlator()
        // A ping socket's local port is its echo identifier; the flow's "ports" are type 8 and code 0.
        c.ingest([Self.socket("h1", pid: 41, exe: "/opt/agent", .open, at: 10, "10.0.0.5", 1234, "203.0.113.80", 0, proto: 1),
                  Self.socket("h1", pid: 42, exe: "/opt/other", .open, at: 10, "10.0.0.5", 1234, "203.0.113.81", 0, proto: 1)])
        let a = c.attribute(Self.flow("10.0.0.5", 8, "203.0.113.80", 0, proto: 1, at: 10.01))
        #expect(a.method == .exact && a.process?.pid == 41)
        // TCP to the same address is not the ICMP socket's.
        #expect(c.attribute(Self.flow("10.0.0.5", 8, "203.0.113.80", 0, proto: 6, at: 10.01)).process?.pid != 41)
        let feed = FeedReader.read(text: #"{"schema":"quietwire.feed/1","type":"socket","time":1795946400,"host_id":"h","event":"open","transport":"icmp","pid":1,"local_port":0,"remote_address":"203.0.113.80"}"#, name: "t")
        guard case .socket(let s) = try #require(feed.records.first) else { Issue.record("not a socket"); return }
        #expect(s.transport == 1 && NativeFeedEncoder.line(.socket(s)).contains(#""transport":"icmp""#))
    }

    @Test func anOpenAndItsCloseInTheSameWholeSecondStayOneLifetime() {
        let c = Correlator()
        // osquery stamps both with whole seconds.
        c.ingest([Self.socket("h1", pid: 9, exe: "/opt/a", .open, at: 100, "10.0.0.5", 50300, "1.1.1.1", 443),
                  Self.socket("h1", pid: 9, exe: "/opt/a", .close, at: 100, "10.0.0.5", 50300, "1.1.1.1", 443)])
        let a = c.attribute(Self.flow("10.0.0.5", 50300, "1.1.1.1", 443, at: 100, for: 0.3))
        #expect(a.method == .exact && a.confidence == 1 && c.skews.first?.samples == 1)
    }

    @Test func inboundFlowsMatchTheAcceptingSocket() {
        let c = Correlator()
        c.ingest([Self.socket("srv", pid: 7, exe: "/usr/sbin/sshd", .open, at: 5, "10.0.0.9", 22, "203.0.113.7", 61000)])
        let a = c.attribute(Self.flow("203.0.113.7", 61000, "10.0.0.9", 22, at: 5))
        #expect(a.method == .exact && a.process?.pid == 7 && a.hostID == "srv")
    }

    @Test func clockSkewIsEstimatedFromExactMatchesAndThenAllowedFor() {
        let c = Correlator()
        // The host's clock runs 45 s ahead of the sensor's.
        for k in 0..<20 {
            c.ingest([Self.socket("fast", pid: 300, exe: "/opt/agent", .open, at: Double(k * 30) + 45, "10.0.0.6", UInt16(40000 + k), "9.9.9.9", 443)])
        }
        var confidences: [Double] = []
        for k in 0..<20 {
            let a = c.attribute(Self.flow("10.0.0.6", UInt16(40000 + k), "9.9.9.9", 443, at: Double(k * 30)))
            #expect(a.method == .exact && a.process?.pid == 300)
            confidences.append(a.confidence)
        }
        #expect(confidences.first == 0.7)  // outside the tolerance before any estimate
        #expect(confidences.dropFirst().allSatisfy { $0 == 1 })
        let skew = c.skews.first { $0.host == "fast" }
        #expect(skew.map { abs($0.seconds - 45) < 0.001 } == true && skew?.samples == 20)
        // Past the largest skew searched, nothing is claimed.
        let far = Correlator(settings: { var s = Correlator.Settings(); s.maximumSkew = 10; return s }())
        far.ingest([Self.socket("fast", pid: 300, .open, at: 45, "10.0.0.6", 40000, "9.9.9.9", 443)])
        #expect(far.attribute(Self.flow("10.0.0.6", 40000, "9.9.9.9", 443, at: 0)).method != .exact)
    }

    @Test func snapshotsGiveSlightlyLowerConfidence() {
        let c = Correlator()
        c.ingest([Self.socket("h1", pid: 5, .snapshot, at: 100, "10.0.0.5", 50010, "1.1.1.1", 443, source: "lsof"),
                  Self.socket("h1", pid: 5, .snapshot, at: 160, "10.0.0.5", 50010, "1.1.1.1", 443, source: "lsof")])
        let a = c.attribute(Self.flow("10.0.0.5", 50010, "1.1.1.1", 443, at: 130))
        #expect(a.method == .exact && a.confidence == 0.9 && a.source == "lsof")
    }

    @Test func unconnectedUDPSocketsMatchOnLocalAddressAndPort() {
        let c = Correlator()
        c.ingest([Self.socket("h1", pid: 9, exe: "/usr/sbin/ntpd", .open, at: 0, "10.0.0.5", 123, nil, 0, proto: 17),
                  Self.socket("h1", pid: 10, exe: "/usr/sbin/mdnsd", .snapshot, at: 50, nil, 5353, nil, 0, proto: 17)])
        let ntp = c.attribute(Self.flow("10.0.0.5", 123, "162.159.200.1", 123, proto: 17, at: 50))
        #expect(ntp.method == .port && ntp.process?.pid == 9 && ntp.confidence == 0.8)
        // A wildcard bind matches only on the host that held the address.
        let mdns = c.attribute(Self.flow("10.0.0.5", 5353, "224.0.0.251", 5353, proto: 17, at: 50))
        #expect(mdns.method == .port && mdns.process?.pid == 10 && mdns.confidence == 0.7)
        let other = c.attribute(Self.flow("10.0.0.77", 5353, "224.0.0.251", 5353, proto: 17, at: 50))
        #expect(other.method == .none)
    }

    @Test func shortConnectionsBetweenSnapshotsAreInferredAtLowerConfidence() {
        let c = Correlator()
        c.ingest([
            .host(HostRecord(hostID: "h2", addresses: [IPAddress("10.0.0.8")!], source: "native")),
            // The agent reached 5.5.5.5:443 from other ports before and after.
            Self.socket("h2", pid: 44, exe: "/opt/beacon", .snapshot, at: 0, "10.0.0.8", 50100, "5.5.5.5", 443),
            Self.socket("h2", pid: 44, exe: "/opt/beacon", .snapshot, at: 300, "10.0.0.8", 50300, "5.5.5.5", 443),
            // The same local port seen a little later towards another peer.
            Self.socket("h2", pid: 45, exe: "/opt/other", .snapshot, at: 130, "10.0.0.8", 50200, "6.6.6.6", 80),
        ])
        let byDestination = c.attribute(Self.flow("10.0.0.8", 50150, "5.5.5.5", 443, at: 150, for: 2))
        #expect(byDestination.method == .inferred && byDestination.process?.pid == 44 && byDestination.confidence == 0.4)
        let byPort = c.attribute(Self.flow("10.0.0.8", 50200, "7.7.7.7", 443, at: 100))
        #expect(byPort.method == .inferred && byPort.process?.pid == 45 && byPort.confidence == 0.5)
        // Too far from anything known: none.
        #expect(c.attribute(Self.flow("10.0.0.8", 50150, "5.5.5.5", 443, at: 5000)).method == .none)
    }

    @Test func processesResolveToAgentsByLabelExecutableOrParent() {
        let c = Correlator()
        c.ingest([
            .agent(AgentRecord(hostID: "m", label: "com.vendor.updater", programArguments: ["/opt/vendor/updater", "--check"], startInterval: 3600, source: "plist")),
            .agent(AgentRecord(hostID: "m", label: "com.example.wrapper", program: "/opt/example/run.sh", source: "plist")),
            // The wrapper job starts a shell that starts curl.
            .process(ProcessRecord(time: Self.at(0), hostID: "m", process: ProcessIdentity(pid: 500, ppid: 1, executable: "/opt/example/run.sh"), source: "native")),
            .process(ProcessRecord(time: Self.at(1), hostID: "m", process: ProcessIdentity(pid: 501, ppid: 500, executable: "/bin/sh"), source: "native")),
            Self.socket("m", pid: 502, exe: "/usr/bin/curl", ppid: 501, .open, at: 2, "10.0.0.2", 1000, "1.2.3.4", 443),
            Self.socket("m", pid: 600, exe: "/opt/vendor/updater", .open, at: 2, "10.0.0.2", 1001, "1.2.3.4", 443),
            Self.socket("m", pid: 700, exe: "/usr/bin/ssh", label: "backup.service", .open, at: 2, "10.0.0.2", 1002, "1.2.3.4", 22),
            Self.socket("m", pid: 800, exe: "/usr/bin/ssh", .open, at: 2, "10.0.0.2", 1003, "1.2.3.4", 22),
            // A parent loop in a hostile feed ends.
            .process(ProcessRecord(time: Self.at(1), hostID: "m", process: ProcessIdentity(pid: 900, ppid: 901, executable: "/a"), source: "native")),
            .process(ProcessRecord(time: Self.at(1), hostID: "m", process: ProcessIdentity(pid: 901, ppid: 900, executable: "/b"), source: "native")),
            Self.socket("m", pid: 900, exe: "/a", .open, at: 2, "10.0.0.2", 1004, "1.2.3.4", 22),
        ])
        let viaParent = c.attribute(Self.flow("10.0.0.2", 1000, "1.2.3.4", 443, at: 2))
        #expect(viaParent.agent?.label == "com.example.wrapper" && viaParent.agentMethod == .parent)
        let direct = c.attribute(Self.flow("10.0.0.2", 1001, "1.2.3.4", 443, at: 2))
        #expect(direct.agent?.label == "com.vendor.updater" && direct.agentMethod == .executable && direct.agent?.startInterval == 3600)
        let labelled = c.attribute(Self.flow("10.0.0.2", 1002, "1.2.3.4", 22, at: 2))
        #expect(labelled.agent?.label == "backup.service" && labelled.agentMethod == .label)
        let plain = c.attribute(Self.flow("10.0.0.2", 1003, "1.2.3.4", 22, at: 2))
        #expect(plain.method == .exact && plain.agent == nil)
        let loop = c.attribute(Self.flow("10.0.0.2", 1004, "1.2.3.4", 22, at: 2))
        #expect(loop.method == .exact && loop.agent == nil)
    }

    @Test func anAddressReusedByAnotherHostIsAnsweredByTime() {
        var d = HostDirectory()
        d.note(HostRecord(hostID: "laptop", addresses: [IPAddress("10.0.0.50")!], validFrom: Self.at(0), validTo: Self.at(3600), source: "native"))
        d.learn(IPAddress("10.0.0.50")!, host: "phone", at: Self.at(7200))
        d.learn(IPAddress("10.0.0.50")!, host: "phone", at: Self.at(7300))
        #expect(d.host(of: IPAddress("10.0.0.50")!, at: Self.at(100)) == "laptop")
        #expect(d.host(of: IPAddress("10.0.0.50")!, at: Self.at(7250)) == "phone")
        #expect(d.host(of: IPAddress("10.0.0.50")!, at: Self.at(3700)) == "laptop")
        #expect(d.host(of: IPAddress("10.0.0.50")!, at: Self.at(7000)) == "phone")
        #expect(d.host(of: IPAddress("10.0.0.50")!, at: Self.at(100_000)) == nil)
        #expect(d.host(of: IPAddress("10.0.0.51")!, at: Self.at(100)) == nil)
    }
}

/// Flows waiting for feed records that arrive after the packets.
@Suite struct AttributionQueueTests {
    @Test func aFlowWaitsForItsOwnerUpToTheLag() {
        let c = Correlator()
        let q = AttributionQueue(correlator: c, lagSeconds: 30)
        let f1 = CorrelatorTests.flow("10.0.0.5", 50000, "1.1.1.1", 443, at: 0, for: 1)
        let f2 = CorrelatorTests.flow("10.0.0.5", 50001, "1.1.1.1", 443, at: 0, for: 1)
        #expect(q.push(f1, now: CorrelatorTests.at(1)).isEmpty)
        #expect(q.push(f2, now: CorrelatorTests.at(1)).isEmpty && q.count == 2)
        // The endpoint's record for the first flow arrives 10 s later: it is released, exact.
        c.ingest([CorrelatorTests.socket("h", pid: 1, .open, at: 0, "10.0.0.5", 50000, "1.1.1.1", 443)])
        let ready = q.release(now: CorrelatorTests.at(11))
        #expect(ready.count == 1 && ready.first?.0.connection.originatorPort == 50000 && ready.first?.1.method == .exact)
        // The second never gets its own: released once the lag is up, inferred from the
        // same host's traffic to the same server.
        #expect(q.release(now: CorrelatorTests.at(30)).isEmpty)
        let late = q.release(now: CorrelatorTests.at(31))
        #expect(late.count == 1 && late.first?.1.method == .inferred && q.count == 0)
    }

    @Test func withoutLagFlowsPassStraightThroughAndAFullQueueReleasesTheOldest() {
        let c = Correlator()
        #expect(AttributionQueue(correlator: c, lagSeconds: 0).push(CorrelatorTests.flow("10.0.0.5", 1, "1.1.1.1", 443, at: 0), now: CorrelatorTests.at(1)).count == 1)
        let q = AttributionQueue(correlator: c, lagSeconds: 60, capacity: 2)
        _ = q.push(CorrelatorTests.flow("10.0.0.5", 1, "1.1.1.1", 443, at: 0), now: CorrelatorTests.at(1))
        _ = q.push(CorrelatorTests.flow("10.0.0.5", 2, "1.1.1.1", 443, at: 0), now: CorrelatorTests.at(1))
        let out = q.push(CorrelatorTests.flow("10.0.0.5", 3, "1.1.1.1", 443, at: 0), now: CorrelatorTests.at(1))
        #expect(out.map(\.0.connection.originatorPort) == [1] && q.releasedEarly == 1 && q.count == 2)
        #expect(q.drain().map(\.0.connection.originatorPort) == [2, 3])
    }
}

extension CorrelatorTests {
    @Test func repeatedSnapshotsOfOneSocketExtendOneEntry() {
        let c = Correlator()
        for k in 0..<1000 {
            c.ingest([Self.socket("h", pid: 9, .snapshot, at: Double(k * 60), "10.0.0.5", 5353, nil, 0, proto: 17)])
            c.ingest([Self.socket("h", pid: 7, .snapshot, at: Double(k * 60), "10.0.0.5", 50000, "1.1.1.1", 443)])
        }
        #expect(c.socketCount == 2)
        // The extended lifetime still answers at its end, and a close ends it.
        let late = c.attribute(Self.flow("10.0.0.5", 50000, "1.1.1.1", 443, at: 59_000))
        #expect(late.method == .exact && late.process?.pid == 7)
        c.ingest([Self.socket("h", pid: 7, .close, at: 60_000, "10.0.0.5", 50000, "1.1.1.1", 443),
                  Self.socket("h", pid: 8, .snapshot, at: 61_000, "10.0.0.5", 50000, "1.1.1.1", 443)])
        #expect(c.socketCount == 4)
        #expect(c.attribute(Self.flow("10.0.0.5", 50000, "1.1.1.1", 443, at: 61_000)).process?.pid == 8)
        #expect(c.attribute(Self.flow("10.0.0.5", 5353, "224.0.0.251", 5353, proto: 17, at: 30_000)).process?.pid == 9)
    }
}

import Attribution
import Foundation
import SensorCore
import Testing
import TestSupport

/// `quietwire coverage` end to end on captures whose blind spots are known by construction.
@Suite struct CoverageCommandTests {
    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    static func value(_ object: [String: Any], _ path: String) -> Any? {
        var current: Any? = object
        for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
        return current
    }

    @Test func proxyBypassIsSplitByClassAndAGateFailsTheRun() throws {
        let dir = DemoScenarioTests.temporary("coverage-proxy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scenario = try #require(Scenario.all.first { $0.name == "proxy-bypass" })
        try scenario.write(to: dir)
        let args = ["coverage", dir + "/capture.pcap", "--feed", dir + "/sockets.ndjson", "--inventory", dir + "/inventory", "--out", dir + "/out",
                    "--proxy", "10.20.0.8:3128"]
        let pass = try Tool.execute(CommandLineTests.binary, args + ["--fail-over", "unattributed_bytes_share=0.01"])
        #expect(pass.status == 0, "\(pass.err)")
        #expect(pass.out.contains("check unattributed_bytes_share: 0.0 (limit 0.01) ok"))
        let c = try Self.json(dir + "/out/coverage.json")
        #expect(c["schema"] as? String == "quietwire.coverage/1")
        #expect(Self.value(c, "proxy.via_proxy.flows") as? Int == 44 && Self.value(c, "egress.flows") as? Int == 56)
        #expect(Self.value(c, "proxy.direct.tcp_web.flows") as? Int == 12 && Self.value(c, "proxy.direct.other_udp.flows") as? Int == 0)
        let owners = Self.value(c, "proxy.direct.tcp_web.top_owners") as? [[String: Any]]
        #expect(owners?.first?["name"] as? String == "com.example.helper")
        #expect(Self.value(c, "hosts.mac-07.direct.flows") as? Int == 12)
        let perHost = (Self.value(c, "hosts.mac-07.top_destinations") as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(perHost == ["10.20.0.8", "example.com"], "\(perHost ?? [])")
        let share = try #require(Self.value(c, "checks.direct_bytes_share") as? Double)
        #expect(share > 0.2 && share < 0.25)
        let fail = try Tool.execute(CommandLineTests.binary, args + ["--fail-over", "direct_bytes_share=0.1"])
        #expect(fail.status == 4 && fail.out.contains("check direct_bytes_share") && fail.out.contains("FAILED"))
        // The same gate from quietwire.yaml; --fail-over overrides it.
        try "coverage:\n  fail_over:\n    direct_bytes_share: 0.1\n".write(toFile: dir + "/qw.yaml", atomically: true, encoding: .utf8)
        #expect(try Tool.execute(CommandLineTests.binary, args + ["--config", dir + "/qw.yaml"]).status == 4)
        #expect(try Tool.execute(CommandLineTests.binary, args + ["--config", dir + "/qw.yaml", "--fail-over", "direct_bytes_share=0.9"]).status == 0)
        let bad = try Tool.execute(CommandLineTests.binary, args + ["--fail-over", "unatributed=1"])
        #expect(bad.status != 0 && bad.err.contains("expected check=limit"))
    }

    @Test func resolutionTheResolversNeverSawIsCounted() throws {
        let dir = DemoScenarioTests.temporary("coverage-dns")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(Scenario.all.first { $0.name == "encrypted-dns-host" }).write(to: dir)
        let r = try Tool.execute(CommandLineTests.binary, ["coverage", dir + "/capture.pcap", "--feed", dir + "/sockets.ndjson", "--out", dir + "/out"])
        #expect(r.status == 0, "\(r.err)")
        let c = try Self.json(dir + "/out/coverage.json")
        #expect(Self.value(c, "resolution.encrypted_dns.flows") as? Int == 224)
        #expect((Self.value(c, "resolution.encrypted_dns.top_destinations") as? [[String: Any]])?.first?["name"] as? String == "dns.google")
        #expect(Self.value(c, "resolution.no_visible_lookup.with_server_name.flows") as? Int == 44)
        #expect(Self.value(c, "resolution.no_visible_lookup.without_name.flows") as? Int == 6)
        #expect(Self.value(c, "resolution.unapproved_dns.flows") as? Int == 0)
    }

    @Test func telemetryGapsNameHostsAgentsAndHostileNamesStayInert() throws {
        let dir = DemoScenarioTests.temporary("coverage-gaps")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = ScenarioWriter(seed: 3, origin: DemoScenario.origin)
        let mac07 = DemoScenario.host, mac08 = ScenarioWriter.Endpoint(host: "mac-08", address: 0x0A14_0008)
        w.add(.host(HostRecord(hostID: "mac-07", addresses: [IPAddress(ipv4: mac07.address)], validFrom: Timestamp(nanoseconds: DemoScenario.origin), source: "native")))
        w.add(.host(HostRecord(hostID: "mac-99", addresses: [IPAddress(ipv4: 0x0A14_0063)], validFrom: Timestamp(nanoseconds: DemoScenario.origin), source: "native")))
        let helper = ProcessIdentity(pid: 700, ppid: 1, executable: "/opt/helper", teamID: "EXAMPLE123")
        let rogue = ProcessIdentity(pid: 701, ppid: 1, executable: "/tmp/rogue", teamID: nil, label: "com.example.rogue")
        let hostile = ProcessIdentity(pid: 702, ppid: 1, executable: "/tmp/\u{1b}]0;pwned\u{07}\"<b>", teamID: nil)
        w.tlsCheckIn(mac07, resolver: DemoScenario.resolver, name: "cdn.example.com", address: 0xC633_6404, at: w.nanoseconds(hours: 6), process: hostile)
        for k in 0..<4 {
            let t = w.nanoseconds(hours: Double(k))
            w.tlsCheckIn(mac07, resolver: DemoScenario.resolver, name: "updates.example.com", address: 0x5DB8_D822, at: t, process: helper)
            w.tlsCheckIn(mac07, resolver: DemoScenario.resolver, name: "c2.example.net", address: 0xC633_6401, at: t + 1_000_000_000, process: rogue)
            // mac-08 sends no feed, and one of mac-07's connections was never reported.
            w.tcpConnection(mac08, to: 0xC633_6402, port: 443, at: t + 2_000_000_000, request: w.clientHello(serverName: "files.example.org"),
                            response: w.serverHello(), process: helper, reported: false)
        }
        w.tcpConnection(mac07, to: 0xC633_6403, port: 8080, at: w.nanoseconds(hours: 5), request: w.bytes(40), response: w.bytes(40), process: helper, reported: false)
        try w.write(to: dir)
        let agents = dir + "/inventory/mac-07/Library/LaunchAgents"
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        try DemoScenario.plist(label: "com.example.helper", program: "/opt/helper", startInterval: 3600).write(toFile: agents + "/h.plist", atomically: true, encoding: .utf8)
        try DemoScenario.plist(label: "com.example.idle", program: "/opt/idle", startInterval: nil).write(toFile: agents + "/i.plist", atomically: true, encoding: .utf8)
        let r = try Tool.execute(CommandLineTests.binary, ["coverage", dir + "/capture.pcap", "--feed", dir + "/sockets.ndjson", "--inventory", dir + "/inventory",
                                                          "--out", dir + "/out", "--fail-over", "hosts_without_feed=0"])
        #expect(r.status == 4, "\(r.err)")
        let c = try Self.json(dir + "/out/coverage.json")
        #expect(Self.value(c, "telemetry.unattributed.flows") as? Int == 5)
        #expect((Self.value(c, "telemetry.hosts_without_feed") as? [[String: Any]])?.map { $0["name"] as? String } == ["10.20.0.8"])
        #expect(Self.value(c, "telemetry.feed_hosts_without_traffic") as? [String] == ["mac-99"])
        #expect((Self.value(c, "telemetry.inventory_agents_unseen") as? [[String: Any]])?.map { $0["label"] as? String } == ["com.example.idle"])
        #expect((Self.value(c, "telemetry.agents_not_in_inventory") as? [[String: Any]])?.map { $0["label"] as? String } == ["com.example.rogue"])
        // The hostile executable path reaches coverage.json escaped (it parsed) and the terminal inert.
        let owners = (Self.value(c, "proxy.direct.tcp_web.top_owners") as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(owners.contains { $0.contains("\u{1b}]0;pwned") })
        #expect(!r.out.contains("\u{1b}") && !r.out.contains("\u{07}") && r.out.contains("\\x1b]0;pwned\\x07"), "\(r.out)")
    }
}

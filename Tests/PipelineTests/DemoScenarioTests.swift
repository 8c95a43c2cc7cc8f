import Capture
import Foundation
import SensorCore
import Testing
import TestSupport

/// The demo scenario (TestSupport/DemoScenario, written by `ScenarioTool`) end to end through
/// `quietwire analyze`: the generator is deterministic, and the alerts match the scenario's
/// expected verdicts (one HIGH alert for the updater's fallback; the CDN churn and Zoom's
/// documented fallback stay silent).
@Suite struct DemoScenarioTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("qw-\(name)-\(UUID().uuidString)").path
    }

    @Test func theGeneratorIsDeterministic() throws {
        let a = Self.temporary("demo-a"), b = Self.temporary("demo-b")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        try DemoScenario.write(to: a)
        try DemoScenario.write(to: b)
        for file in ["capture.pcap", "sockets.ndjson", "expected.ndjson", "inventory/mac-07/Library/LaunchAgents/com.example.updater.plist"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + file))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + file))
            #expect(x == y && !x.isEmpty, "\(file) differs between two runs")
        }
    }

    @Test func analyzeFindsExactlyTheExpectedAlerts() throws {
        let dir = Self.temporary("demo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DemoScenario.write(to: dir)
        let r = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/capture.pcap", "--feed", dir + "/sockets.ndjson",
                                                          "--inventory", dir + "/inventory", "--out", dir + "/out"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("exact: 252 flows (100.0%)") && r.err.contains("3 background agents, 3 with a primary channel"), "\(r.err)")
        #expect(r.out.contains("HIGH score 6.0") && r.out.contains("com.example.updater on mac-07"), "\(r.out)")
        // analyze writes the coverage figures too.
        #expect((try? CoverageCommandTests.json(dir + "/out/coverage.json"))?["schema"] as? String == "quietwire.coverage/1")
        let alerts = try String(contentsOfFile: dir + "/out/alerts.ndjson", encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        let expected = try String(contentsOfFile: dir + "/expected.ndjson", encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        for verdict in expected {
            let label = try #require(verdict["agent"] as? String)
            let found = alerts.filter { $0["quietwire.agent.label"] as? String == label }
            if verdict["verdict"] as? String == "none" {
                #expect(found.isEmpty, "\(label) should not alert: \(found)")
                continue
            }
            let alert = try #require(found.first, "no alert for \(label)")
            #expect(found.count == 1)
            #expect(alert["event.severity"] as? Int == verdict["severity"] as? Int)
            let codes = (alert["quietwire.reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(Set(verdict["reasons"] as? [String] ?? []).isSubset(of: Set(codes)), "\(codes)")
            let fallback = alert["quietwire.fallback"] as? [String: Any]
            #expect("\(fallback?["destination"] ?? "") \(fallback?["transport"] ?? "")/\(fallback?["port"] ?? "") \(fallback?["protocol"] ?? "")" == verdict["fallback"] as? String)
            // The ECS contract: the fields other tools read.
            for key in ["@timestamp", "event.start", "event.kind", "event.risk_score", "rule.id", "rule.name", "message", "host.id", "host.ip",
                        "process.pid", "process.executable", "process.code_signature.team_id", "quietwire.agent.plist", "quietwire.primary",
                        "quietwire.quiet_seconds", "quietwire.attribution", "destination.ip", "destination.port", "network.transport",
                        "network.protocol", "network.community_id", "threat.technique.id"] {
                #expect(alert[key] != nil, "alert lacks \(key)")
            }
            #expect(alert["@timestamp"] as? String == "2026-11-04T08:15:00.000000Z")
            #expect(alert["process.pid"] as? Int == 812 && alert["destination.ip"] as? String == "198.51.100.7")
            // The evidence pcap holds exactly the cited flows: the 20 fallback flows listed (9
            // packets each) and the primary's last 5 (two check-ins, three unanswered SYN pairs).
            let id = try #require(alert["event.id"] as? String)
            let frames = try Tool.run("tshark", ["-n", "-r", dir + "/out/evidence/\(id).pcap", "-T", "fields", "-e", "ip.src", "-e", "ip.dst",
                                                 "-e", "tcp.srcport", "-e", "tcp.dstport"]).split(separator: "\n")
            #expect(frames.count == 20 * 9 + 2 * 9 + 3 * 2, "\(frames.count) frames")
            let servers = Set(frames.map { $0.split(separator: "\t").filter { $0 != "10.20.0.7" }.first.map(String.init) ?? "" })
            #expect(servers == ["198.51.100.7", "93.184.216.34"])
        }
    }

    /// Copies the frames of `path` before (or from) `split` into a new pcap.
    static func slice(_ path: String, to out: String, before split: Timestamp, keepBefore: Bool) throws {
        let source = try PacketSource.openFile(path)
        let writer = try PcapFileWriter(path: out, linkType: .ethernet)
        while case .frame(let f) = source.next() {
            if (f.timestamp < split) == keepBefore { writer.write(timestamp: f.timestamp, wireLength: f.wireLength, bytes: f.bytes) }
        }
        writer.flush()
    }

    @Test func learnOnTheFirstDaysThenAnalyzeTheRestAgainstTheStoredBaseline() throws {
        let dir = Self.temporary("demo-learn")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DemoScenario.write(to: dir)
        let split = Timestamp(nanoseconds: DemoScenario.origin + 30 * 3_600_000_000_000)
        try Self.slice(dir + "/capture.pcap", to: dir + "/first.pcap", before: split, keepBefore: true)
        try Self.slice(dir + "/capture.pcap", to: dir + "/second.pcap", before: split, keepBefore: false)
        let feed = ["--feed", dir + "/sockets.ndjson", "--inventory", dir + "/inventory"]
        let learn = try Tool.execute(CommandLineTests.binary, ["learn", dir + "/first.pcap", "--baseline", dir + "/qw.db"] + feed)
        #expect(learn.status == 0 && learn.err.contains("now holds 3 background agents (3 new), 3 with a primary channel"), "\(learn.err)")
        let analyze = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/second.pcap", "--baseline", dir + "/qw.db", "--out", dir + "/out"] + feed)
        #expect(analyze.status == 0, "\(analyze.err)")
        #expect(analyze.err.contains("judged against the baseline in \(dir)/qw.db"), "\(analyze.err)")
        #expect(analyze.out.contains("HIGH") && analyze.out.contains("com.example.updater on mac-07"), "\(analyze.out)")
        // Learning the second part too makes the fallback channel known: no alert any more.
        _ = try Tool.execute(CommandLineTests.binary, ["learn", dir + "/second.pcap", "--baseline", dir + "/qw.db"] + feed)
        let again = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/second.pcap", "--baseline", dir + "/qw.db", "--out", dir + "/out2"] + feed)
        #expect(again.out.contains("no alerts"), "\(again.out)")
        let bad = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/second.pcap", "--baseline", dir + "/sockets.ndjson", "--out", dir + "/out3"])
        #expect(bad.status == 1 && bad.err.contains("cannot open the baseline"), "\(bad.err)")
    }

    @Test func aConfigurationFileTunesAndAllowlists() throws {
        let dir = Self.temporary("demo-config")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DemoScenario.write(to: dir)
        // The organisation knows this vendor reaches 198.51.100.0/24 on 4444: the credit takes the alert below a lead.
        try """
            detection:
              warmup: 0.4
            allowlist:
              - team_id: EXAMPLE123
                destinations: [198.51.100.0/24]
                fallbacks: ["tcp/443 -> tcp/4444"]
            """.write(toFile: dir + "/quietwire.yaml", atomically: true, encoding: .utf8)
        let r = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/capture.pcap", "--feed", dir + "/sockets.ndjson",
                                                          "--inventory", dir + "/inventory", "--out", dir + "/out", "--config", dir + "/quietwire.yaml"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("the first 40% of the capture's time span") && r.out.contains("no alerts"), "\(r.err)\n\(r.out)")
        try "detection:\n  warmpu: 0.4\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/capture.pcap", "--out", dir + "/out2", "--config", dir + "/bad.yaml"])
        #expect(bad.status == 1 && bad.err.contains("bad.yaml:2: unknown key 'warmpu' in detection"), "\(bad.err)")
    }
}

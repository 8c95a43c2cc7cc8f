import FeedServer
import Store
import Foundation
import Testing
import TestSupport
#if os(Linux)
import Glibc

/// The live sensor end to end, in network namespaces joined by veth pairs (nothing leaves
/// them): an endpoint (10.77.x.2) runs `quietwire collect --to` and a background agent
/// (ScenarioTool agent) that checks in with TCP to the sink once a second, goes quiet, then
/// falls back to DNS TXT queries to another address of the sink; the gateway runs
/// `quietwire run` on its endpoint-facing interface with the feed service; the sink answers.
/// The alert must reach alerts.ndjson with the agent's process and reasons, within a bounded
/// time. The second run SIGKILLs the sensor while the agent is quiet and restarts it: the
/// baseline resumes from the checkpoint, the feed journal is replayed, the collector's spool
/// delivers what it held, and the alert still comes, once.
@Suite("Sensor end to end in network namespaces", .serialized, .enabled(if: getuid() == 0 && Tool.find("ip") != nil && Tool.find("curl") != nil, "needs root, iproute2 and curl"))
struct SensorEndToEndTests {
    static let quietwire = CommandLineTests.binary
    static let agentTool = URL(fileURLWithPath: CommandLineTests.binary).deletingLastPathComponent().appendingPathComponent("ScenarioTool").resolvingSymlinksInPath().path

    /// The namespaces and links of one run; `teardown` removes them (deleting a namespace removes its veth ends).
    struct Topology {
        let tag: String
        let subnet: Int
        var endpoint: String { tag + "ep" }
        var gateway: String { tag + "gw" }
        var sink: String { tag + "sk" }
        var gatewayAddress: String { "10.77.\(subnet).1" }

        init(subnet: Int) throws {
            self.subnet = subnet
            tag = "qw\(getpid() % 10000)\(subnet)"
            let s = tag
            let steps: [[String]] = [
                ["netns", "add", endpoint], ["netns", "add", gateway], ["netns", "add", sink],
                ["link", "add", s + "e0", "type", "veth", "peer", "name", s + "g0"],
                ["link", "add", s + "g1", "type", "veth", "peer", "name", s + "s0"],
                ["link", "set", s + "e0", "netns", endpoint], ["link", "set", s + "g0", "netns", gateway],
                ["link", "set", s + "g1", "netns", gateway], ["link", "set", s + "s0", "netns", sink],
                ["-n", endpoint, "addr", "add", "10.77.\(subnet).2/24", "dev", s + "e0"], ["-n", endpoint, "link", "set", s + "e0", "up"],
                ["-n", endpoint, "link", "set", "lo", "up"], ["-n", endpoint, "route", "add", "default", "via", gatewayAddress],
                ["-n", gateway, "addr", "add", gatewayAddress + "/24", "dev", s + "g0"], ["-n", gateway, "link", "set", s + "g0", "up"],
                ["-n", gateway, "addr", "add", "198.51.100.1/24", "dev", s + "g1"], ["-n", gateway, "link", "set", s + "g1", "up"],
                ["-n", gateway, "link", "set", "lo", "up"], ["-n", gateway, "route", "add", "203.0.113.0/24", "via", "198.51.100.10"],
                ["-n", sink, "addr", "add", "198.51.100.10/24", "dev", s + "s0"], ["-n", sink, "addr", "add", "203.0.113.53/32", "dev", s + "s0"],
                ["-n", sink, "link", "set", s + "s0", "up"], ["-n", sink, "link", "set", "lo", "up"],
                ["-n", sink, "route", "add", "default", "via", "198.51.100.1"],
                ["netns", "exec", gateway, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
            ]
            for step in steps {
                let r = try Tool.execute("ip", step)
                guard r.status == 0 else {
                    teardown()
                    throw Tool.Failure(description: "ip \(step.joined(separator: " ")): \(r.err)")
                }
            }
        }

        func teardown() {
            for ns in [endpoint, gateway, sink] { _ = try? Tool.execute("ip", ["netns", "del", ns]) }
        }
    }

    /// A process in a namespace, its standard error in a file.
    final class Background {
        let process = Process()
        let log: String
        init(_ namespace: String, _ arguments: [String], log: String, environment: [String: String] = [:]) throws {
            self.log = log
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ip", "netns", "exec", namespace, "env"] + environment.map { "\($0)=\($1)" } + arguments
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            _ = FileManager.default.createFile(atPath: log + ".out", contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log + ".out"))
            try process.run()
        }
        var text: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        var output: String { (try? String(contentsOfFile: log + ".out", encoding: .utf8)) ?? "" }
        func signal(_ s: Int32) { if process.isRunning { kill(process.processIdentifier, s) } }
        func stop() {
            signal(SIGTERM)
            for _ in 0..<100 where process.isRunning { usleep(50_000) }
            signal(SIGKILL)
            process.waitUntilExit()
        }
        /// Waits until the log contains `text`, at most `seconds`.
        func wait(for text: String, seconds: Double) -> Bool {
            for _ in 0..<Int(seconds * 10) {
                if self.text.contains(text) { return true }
                usleep(100_000)
            }
            return false
        }
    }

    /// The quietwire process under `ip netns exec` (which execs env, which execs quietwire: same pid, or a child).
    static func child(of pid: Int32) -> Int32 {
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { Int32($0) }.map { child(of: $0) } ?? pid
    }

    static func until(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        for _ in 0..<Int(seconds * 10) {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    static func alertLines(_ out: String) -> [String] {
        ((try? String(contentsOfFile: out + "/alerts.ndjson", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test(arguments: [false, true]) func anAgentsFallbackIsAlertedLive(killSensorMidway: Bool) throws {
        let topology = try Topology(subnet: killSensorMidway ? 2 : 1)
        var running: [Background] = []
        defer {
            for p in running.reversed() { p.stop() }
            topology.teardown()
        }
        let dir = DemoScenarioTests.temporary("e2e")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (token, digest) = TokenAuthority.make()
        let listen = "\(topology.gatewayAddress):18080"
        // Short rhythms and delays so the whole story takes half a minute.
        try """
            flows:
              udp_inactivity_timeout: 2
            detection:
              session_gap: 0.3
              minimum_quiet: 3
              awake_margin: 30
              window_after: 120
            sensor:
              listen: \(listen)
              allow_plain_http: true
              attribution_lag: 3
              learn_delay: 15
              judge_interval: 1
              checkpoint_interval: 1
              stats_interval: 2
              tokens:
                - endpoint: endpoint-1
                  sha256: \(digest)
            """.write(toFile: dir + "/quietwire.yaml", atomically: true, encoding: .utf8)
        let out = dir + "/sensor"
        // The first run also drops root after opening the capture (like tcpdump -Z).
        let sensorArguments = [Self.quietwire, "run", "--interface", topology.tag + "g0", "--config", dir + "/quietwire.yaml", "--out", out]
            + (killSensorMidway ? [] : ["--user", "nobody", "--alerts-to-stdout"])
        running.append(try Background(topology.sink, [Self.agentTool, "sink", "198.51.100.10", "203.0.113.53"], log: dir + "/sink.err"))
        var sensor = try Background(topology.gateway, sensorArguments, log: dir + "/sensor.err")
        running.append(sensor)
        #expect(sensor.wait(for: "capturing on", seconds: 30), "\(sensor.text)")
        if !killSensorMidway {
            let status = (try? String(contentsOfFile: "/proc/\(Self.child(of: sensor.process.processIdentifier))/status", encoding: .utf8)) ?? ""
            let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first
            #expect(uid != nil && uid != "0", "the sensor still runs as root: \(status.prefix(400))")
        }
        // The agent's job, as a launchd-style record (the test process is in no systemd unit).
        let job = "{\"type\":\"agent\",\"host_id\":\"endpoint-1\",\"label\":\"com.example.updater\",\"program_arguments\":[\"\(Self.agentTool)\",\"agent\"],\"source\":\"test\"}\n"
        try job.write(toFile: dir + "/job.ndjson", atomically: true, encoding: .utf8)
        let posted = try Tool.execute("ip", ["netns", "exec", topology.endpoint, "curl", "-s", "-XPOST", "-H", "Authorization: Bearer \(token)",
                                             "--data-binary", "@" + dir + "/job.ndjson", "http://\(listen)/v1/feed"])
        #expect(posted.out.contains("\"accepted\":1"), "\(posted.out) \(posted.err)")
        if !killSensorMidway {
            // Abuse while it captures: no token, a wrong token, a gzip bomb, broken JSON. Each
            // gets its status and the sensor goes on (the alert below still comes).
            let bomb = dir + "/bomb"
            try Data(repeating: 0, count: 80 << 20).write(to: URL(fileURLWithPath: bomb))
            _ = try Tool.execute("gzip", ["-f", bomb])
            func status(_ extra: [String]) throws -> String {
                try Tool.execute("ip", ["netns", "exec", topology.endpoint, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-XPOST"]
                                 + extra + ["http://\(listen)/v1/feed"]).out
            }
            #expect(try status(["--data-binary", "x"]) == "401")
            #expect(try status(["-H", "Authorization: Bearer qwt_wrong", "--data-binary", "x"]) == "401")
            #expect(try status(["-H", "Authorization: Bearer \(token)", "-H", "Content-Encoding: gzip", "--data-binary", "@" + bomb + ".gz"]) == "413")
            #expect(try status(["-H", "Authorization: Bearer \(token)", "--data-binary", "{\"type\":"]) == "400")
        }
        let collector = try Background(topology.endpoint, [Self.quietwire, "collect", "--to", "http://\(listen)/v1/feed", "--interval", "0.2",
                                                           "--host-id", "endpoint-1", "--spool", dir + "/spool", "--no-inventory"],
                                       log: dir + "/collect.err", environment: ["QUIETWIRE_TOKEN": token])
        running.append(collector)
        let started = Date()
        let agent = try Background(topology.endpoint, [Self.agentTool, "agent", "198.51.100.10", "12", "8", "12", "203.0.113.53"], log: dir + "/agent.err")
        running.append(agent)

        if killSensorMidway {
            // Once the checkpoint holds the agent's check-ins (the agent is quiet by then): SIGKILL, restart.
            let checkpointed = Self.until(30) {
                guard FileManager.default.fileExists(atPath: out + "/state/baseline.db"),
                      let b = try? BaselineStore(path: out + "/state/baseline.db").load() else { return false }
                return b.agents.values.flatMap(\.channels.values).map(\.successfulSessions).max() ?? 0 >= 10
            }
            #expect(checkpointed, "\(sensor.text)")
            sensor.signal(SIGKILL)
            sensor.process.waitUntilExit()
            sensor = try Background(topology.gateway, sensorArguments, log: dir + "/sensor2.err")
            running.append(sensor)
            #expect(sensor.wait(for: "capturing on", seconds: 30), "\(sensor.text)")
            #expect(sensor.text.contains(": 1 agents, learned until"), "\(sensor.text)")
            let replayed = sensor.text.split(separator: "\n").first { $0.contains("replayed from the journal") }.map(String.init) ?? ""
            #expect(!replayed.contains(" 0 feed records replayed"), "\(replayed)")
        }

        // The alert, with the agent's process and the reasons, within a bounded time.
        #expect(Self.until(60) { !Self.alertLines(out).isEmpty }, "no alert: \(sensor.text)\n\(collector.text)")
        let waited = Date().timeIntervalSince(started)
        #expect(waited < 60)
        let lines = Self.alertLines(out)
        let alert = try #require(lines.first.flatMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] })
        #expect(alert["process.executable"] as? String == Self.agentTool, "\(lines[0])")
        #expect(lines[0].contains("com.example.updater"))
        for code in ["QUIET_PRIMARY", "NEW_TRANSPORT", "NEW_DEST", "DNS_TUNNEL"] { #expect(lines[0].contains(code), "\(code): \(lines[0])") }
        // --alerts-to-stdout: the same line for a log shipper, printed just after the file's
        // line is on disk (so it may lag the file by a moment).
        if !killSensorMidway { #expect(Self.until(10) { sensor.output == lines[0] + "\n" }, "\(sensor.output)") }
        // Metrics while it runs.
        let metrics = try Tool.execute("ip", ["netns", "exec", topology.endpoint, "curl", "-s", "http://\(listen)/metrics"])
        #expect(metrics.out.contains("quietwire_alerts_total{") && metrics.out.contains("outcome=\"accepted\""), "\(metrics.out)")
        if killSensorMidway {
            // Killed again once the alert is written: the restarted sensor still has it, whole, and does not repeat it.
            sensor.signal(SIGKILL)
            sensor.process.waitUntilExit()
            sensor = try Background(topology.gateway, sensorArguments, log: dir + "/sensor3.err")
            running.append(sensor)
            #expect(sensor.wait(for: "capturing on", seconds: 30), "\(sensor.text)")
            #expect(sensor.text.contains("; 1 alerts already in"), "\(sensor.text)")
            #expect(Self.alertLines(out) == lines)
        }

        // Stop everything; the collector reports what the sensor acknowledged, all of it in the journal.
        agent.process.waitUntilExit()
        collector.stop()
        sensor.stop()
        let acknowledged = collector.text.split(separator: "\n").first { $0.contains("records acknowledged") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? -1
        let journal = try FileManager.default.contentsOfDirectory(atPath: out + "/state").filter { $0.hasPrefix("feed-journal.") }
            .map { (try? String(contentsOfFile: out + "/state/" + $0, encoding: .utf8)) ?? "" }.joined()
        let journalled = journal.split(separator: "\n").count
        #expect(acknowledged > 0 && journalled >= acknowledged + 1, "acknowledged \(acknowledged), journalled \(journalled): \(collector.text)")
        #expect(Self.alertLines(out).count == 1, "\(Self.alertLines(out))")
        #expect(sensor.text.contains("sensor stopped:"), "\(sensor.text)")
    }
}
#endif

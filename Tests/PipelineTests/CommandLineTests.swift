import Foundation
import TestSupport
import Testing

/// Runs the built `quietwire` binary the way a user does.
@Suite("quietwire command line")
struct CommandLineTests {
    static let binary = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/quietwire").path

    func run(_ args: [String], stdin: String? = nil) throws -> Tool.Output {
        try Tool.execute(Self.binary, args, standardInput: stdin)
    }

    @Test func decodePrintsOneLinePerPacketAndASummary() throws {
        let r = try run(["decode", Fixtures.path("real/zeek__get.pcap")])
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count == 14)
        #expect(r.out.contains("IP 141.142.228.5.59856 > 192.150.187.43.80: TCP [S] seq 4263588410 win 65535, length 0"))
        #expect(r.err.contains("packets: 14"))
    }

    @Test func severalFilesAreOneStreamAndStdinWorks() throws {
        let get = Fixtures.path("real/zeek__get.pcap")
        let both = try run(["decode", "--stats-only", "--summary-json", get, "-"], stdin: Fixtures.path("real/zeek__dns-svcb.pcap"))
        #expect(both.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(both.out.utf8)) as? [String: Any]
        #expect(json?["packets"] as? Int == 16)
        #expect((json?["inputs"] as? [[String: Any]])?.map { $0["name"] as? String } == [get, "-"])
    }

    @Test func jsonLinesParseAndCountLimits() throws {
        let r = try run(["decode", "--json", "--count", "5", Fixtures.path("real/ndpi__pcap-vxlan.pcap")])
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 5)
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(obj?["ts"] != nil && obj?["link"] as? String == "EN10MB")
        }
        #expect(r.err.contains("stopped early"))
    }

    @Test func missingFileFailsWithAMessage() throws {
        let r = try run(["decode", "/nonexistent/capture.pcap"])
        #expect(r.status == 1)
        #expect(r.err.contains("/nonexistent/capture.pcap: no such file"))
    }

    @Test func badFilterFailsWithLibpcapsMessage() throws {
        let r = try run(["decode", "--filter", "tcp port banana", Fixtures.path("real/zeek__get.pcap")])
        #expect(r.status == 1 && r.err.contains("invalid BPF filter"))
    }

    @Test func truncatedInputWarnsKeepsPacketsAndExits3() throws {
        let source = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("real/zeek__get.pcap")))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("qw-cut-\(getpid()).pcap")
        try source.prefix(source.count - 10).write(to: cut)
        let r = try run(["decode", cut.path])
        #expect(r.status == 3)
        #expect(r.out.split(separator: "\n").count == 13)
        #expect(r.err.contains("is truncated"))
    }

    @Test func logsWritesZeekTSVAndJSON() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qw-logs-\(getpid())")
        for format in ["tsv", "json"] {
            let out = dir.appendingPathComponent(format).path
            let r = try run(["logs", "--format", format, "--out", out, Fixtures.path("real/zeek__wikipedia.pcap")])
            #expect(r.status == 0)
            let text = try String(contentsOfFile: out + "/conn.log", encoding: .utf8)
            let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(rows.count == 34, "\(format): \(rows.count) rows")
            if format == "tsv" {
                #expect(text.hasPrefix("#separator \\x09\n#set_separator\t,\n"))
                #expect(text.contains("#fields\tts\tuid\tid.orig_h") && text.contains("\n#close\t"))
                let fields = text.split(separator: "\n").first { $0.hasPrefix("#fields\t") }?.split(separator: "\t").count ?? 0
                #expect(fields > 20 && rows.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == fields - 1 })
            } else {
                for row in rows {
                    let obj = try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any]
                    #expect(obj?["community_id"] as? String != nil && obj?["id.orig_h"] as? String != nil)
                }
            }
        }
        let unwritable = try run(["logs", "--out", "/proc/nope/x", Fixtures.path("real/zeek__get.pcap")])
        #expect(unwritable.status == 1 && unwritable.err.contains("/proc/nope/x"))
    }

    @Test func logsRejectsBadOptionsWithMessagesThatSayWhy() throws {
        let get = Fixtures.path("real/zeek__get.pcap")
        let networks = try run(["logs", "--out", "/tmp/qw-x", "--local-networks", "10.0.0.0/33,banana", get])
        #expect(networks.status != 0 && networks.err.contains("--local-networks"))
        let format = try run(["logs", "--out", "/tmp/qw-x", "--format", "xml", get])
        #expect(format.status != 0 && format.err.contains("tsv or json"))
        let flows = try run(["logs", "--out", "/tmp/qw-x", "--max-flows", "0", get])
        #expect(flows.status != 0 && flows.err.contains("--max-flows"))
        for bad in ["-1", "nan", "1e99"] {
            let interim = try run(["logs", "--out", "/tmp/qw-x", "--interim-interval", bad, get])
            #expect(interim.status != 0 && interim.err.contains("--interim-interval"), "\(bad): \(interim.err)")
        }
        let count = try run(["decode", "--count", "0", get])
        #expect(count.status != 0 && count.err.contains("--count"))
        let both = try run(["decode", "--json", "--stats-only", get])
        #expect(both.status != 0 && both.err.contains("--summary-json"))
        let neither = try run(["decode"])
        #expect(neither.status != 0 && neither.err.contains("--interface"))
    }

    @Test func logsWithFeedsReportsSkippedLinesAndWritesTheSummary() throws {
        let pcaps = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pcaps").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("qw-feeds-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(["logs", pcaps + "/sample.pcap", "--out", out, "--local-networks", "141.142.0.0/16",
                         "--feed", pcaps + "/sample-feeds/osquery-socket-events.log", "--feed", pcaps + "/sample-feeds/endpoint.ndjson",
                         "--inventory", pcaps + "/sample-feeds/inventory"])
        #expect(r.status == 0, "\(r.err)")
        // The bad line of the osquery log is named with its line number and reason; its neighbours count.
        #expect(r.err.contains("osquery-socket-events.log:3: osquery: row 1 of 'socket_events': 'pid' is not a process id"), "\(r.err)")
        #expect(r.err.contains("3 lines, 2 records (osquery 3), 0 rows not used, 1 skipped"), "\(r.err)")
        #expect(r.err.contains("inventory \(pcaps)/sample-feeds/inventory: 1 launchd jobs"))
        #expect(r.err.contains("exact: 2 flows (13.3%)") && r.err.contains("clock skew: ws-118 2.107 s (2 matches)"), "\(r.err)")
        let summary = try String(contentsOfFile: out + "/attribution.json", encoding: .utf8)
        #expect(summary.contains("\"feed_problems\":1") && summary.contains("\"inventory_agents\":1"))
        let conn = try String(contentsOfFile: out + "/conn.log", encoding: .utf8)
        #expect(conn.contains("\tattribution.method\t") && conn.contains("\tquietwire.agent.label\t"))
    }

    @Test func feedErrorsSayWhatToDo() throws {
        let get = Fixtures.path("real/zeek__get.pcap")
        let missing = try run(["logs", "--out", "/tmp/qw-x", "--feed", "/nonexistent/feed.ndjson", get])
        #expect(missing.status == 1 && missing.err.contains("cannot open feed /nonexistent/feed.ndjson"), "\(missing.err)")
        let inventory = try run(["logs", "--out", "/tmp/qw-x", "--inventory", "/nonexistent", get])
        #expect(inventory.status == 1 && inventory.err.contains("one folder per host id"), "\(inventory.err)")
        let format = try run(["logs", "--out", "/tmp/qw-x", "--feed", get, "--feed-format", "syslog", get])
        #expect(format.status != 0 && format.err.contains("native, osquery, ecs, lsof"))
        let stdin = try run(["logs", "--out", "/tmp/qw-x", "--feed", "-", "-"])
        #expect(stdin.status != 0 && stdin.err.contains("not both"))
        let skew = try run(["logs", "--out", "/tmp/qw-x", "--max-clock-skew", "1", "--clock-skew-tolerance", "5", get])
        #expect(skew.status != 0 && skew.err.contains("--max-clock-skew"))
        let interval = try run(["collect", "--interval", "0"])
        #expect(interval.status != 0 && interval.err.contains("--interval"))
        for (args, message) in [(["analyze", get, "--out", "/tmp/qw-x", "--proxy", "10.0.0.8"], "--proxy 10.0.0.8"),
                                (["learn", get, "--baseline", "/tmp/qw-x.db", "--proxy", "[::1]"], "--proxy [::1]"),
                                (["analyze", get, "--out", "/tmp/qw-x", "--warmup", "1.5"], "--warmup"),
                                (["analyze", get, "--out", "/tmp/qw-x", "--local-networks", "10.0.0.0/40"], "--local-networks"),
                                (["analyze", get, "--out", "/tmp/qw-x", "--config", "/nonexistent/q.yaml"], "cannot read the configuration file"),
                                (["learn", get], "--baseline")] {
            let r = try run(args)
            #expect(r.status != 0 && r.err.contains(message), "\(args): \(r.err)")
        }
    }

    @Test func helpExplainsDecode() throws {
        let r = try run(["decode", "--help"])
        #expect(r.out.contains("--stats-only") && r.out.contains("pcapng"))
    }
}

#if os(Linux)
/// SIGINT and SIGTERM stop a live capture cleanly: summary, libpcap's counters, exit 0.
@Suite("quietwire live stop", .enabled(if: getuid() == 0, "live capture needs root"))
struct LiveStopTests {
    @Test(arguments: [SIGINT, SIGTERM])
    func signalStopsCleanlyWithStatistics(signal: Int32) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = ["decode", "--interface", LiveCaptureTests.loopbackName, "--filter", "udp port 9"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        usleep(700_000)
        kill(p.processIdentifier, signal)
        let started = Date()
        while p.isRunning && Date().timeIntervalSince(started) < 5 { usleep(50_000) }
        #expect(!p.isRunning, "quietwire did not stop within 5 s of the signal")
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0)
        #expect(text.contains("capture: received="), "summary without libpcap statistics: \(text)")
        #expect(text.contains("stopped early"))
    }
}
#endif

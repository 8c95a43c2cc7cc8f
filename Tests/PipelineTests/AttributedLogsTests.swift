import Attribution
import Flows
import Foundation
import Outputs
import Pipeline
import SensorCore
import Testing
import TestSupport

/// The bundled scenario (pcaps/sample.pcap with pcaps/sample-feeds): a real browsing trace whose
/// host 141.142.220.118 reported, through osquery socket_events with its clock 2.1 s ahead, two
/// of the HTTP connections of a launch agent's program; a native feed names the host, the
/// agent's process and the resolver's unconnected UDP socket. Each row's answer is known.
@Suite struct AttributedLogsTests {
    static let scenario = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pcaps")

    static func attributedRows(format: ZeekLogFormat) throws -> (String, FlowAttributor) {
        let correlator = Correlator()
        let feeds = scenario.appendingPathComponent("sample-feeds").path
        correlator.ingest(try FeedReader.read(path: feeds + "/osquery-socket-events.log").records)
        correlator.ingest(try FeedReader.read(path: feeds + "/endpoint.ndjson").records)
        correlator.ingest(try LaunchdInventory.read(directory: feeds + "/inventory").agents.map { .agent($0) })
        let attributor = FlowAttributor(correlator: correlator)
        let logs = ZeekLogSet(format: format, attributor: attributor)
        var settings = FlowSettings()
        settings.localNetworks = NetworkSet(["141.142.0.0/16"])!
        _ = try LogRun(settings: settings).run(files: [scenario.appendingPathComponent("sample.pcap").path], filter: nil, logs: logs)
        return (logs.conn.text, attributor)
    }

    @Test func everyFlowOfTheScenarioGetsItsKnownAttribution() throws {
        let (text, attributor) = try Self.attributedRows(format: .tsv)
        let rows = ZeekConnDifferentialTests.parse(text).rows
        #expect(rows.count == 34)
        func row(_ port: String) -> [String: String]? { rows.first { $0["id.orig_h"] == "141.142.220.118" && $0["id.orig_p"] == port } }
        // Reported by socket_events: exact, with the agent from the plist inventory and the process record's user and team.
        for port in ["49999", "50000"] {
            let r = try #require(row(port))
            #expect(r["attribution.method"] == "exact" && r["attribution.source"] == "osquery/socket_events")
            #expect(r["process.pid"] == "4242" && r["process.executable"] == "/usr/local/bin/fetcher" && r["process.parent.pid"] == "1")
            #expect(r["quietwire.agent.label"] == "org.example.fetcher" && r["quietwire.agent.method"] == "executable")
            #expect(r["user.name"] == "alice" && r["process.code_signature.team_id"] == "EXAMPLE123" && r["host.id"] == "ws-118")
        }
        // The first match needed the skew search (2.1 s > 2 s tolerance); once estimated, the next is full confidence.
        #expect(Set([row("49999")?["attribution.confidence"], row("50000")?["attribution.confidence"]]) == ["0.70", "1.00"])
        // Unreported connections of the same process to the same server: inferred.
        for port in ["49996", "49997", "49998", "50001"] {
            #expect(row(port)?["attribution.method"] == "inferred" && row(port)?["process.pid"] == "4242" && row(port)?["attribution.confidence"] == "0.40")
        }
        // The resolver's unconnected UDP socket: port match, with the label the endpoint reported.
        #expect(row("45000")?["attribution.method"] == "port" && row("45000")?["quietwire.agent.label"] == "com.apple.mDNSResponder")
        // Another server nobody reported: none, but the host is known from its host record.
        #expect(row("35642")?["attribution.method"] == "none" && row("35642")?["host.id"] == "ws-118" && row("35642")?["process.pid"] == "-")
        // Hosts without any feed stay unknown.
        #expect(rows.filter { $0["id.orig_h"] == "141.142.220.226" }.allSatisfy { $0["host.id"] == "-" && $0["attribution.method"] == "none" })
        let skew = try #require(attributor.correlator.skews.first)
        #expect(skew.host == "ws-118" && abs(skew.seconds - 2.107) < 0.001)
        let s = attributor.summary
        #expect(s.egress.flows == 15 && s.byMethod[.exact]?.flows == 2 && s.byMethod[.inferred]?.flows == 4)
        #expect(s.unattributedDestinations["208.80.152.2 80/tcp"]?.flows == 2)
        let json = AttributionSummaryJSON.render(s, skews: attributor.correlator.skews, feedProblems: 1, socketRecords: 3, agents: 1)
        let parsed = try JSONParser.parse(json)
        #expect(parsed.path("methods.exact.flows")?.integer == 2 && parsed.path("egress.flows")?.integer == 15)
        #expect(parsed["unattributed_destinations"]?.array?.first?["name"]?.text == "208.80.152.2 80/tcp")
    }

    @Test func jsonRowsCarryTheSameAttributionWithDottedKeys() throws {
        let (text, _) = try Self.attributedRows(format: .json)
        let rows = try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let r = try #require(rows.first { $0["id.orig_p"]?.integer == 49999 })
        #expect(r["attribution.method"]?.text == "exact" && r["process.pid"]?.integer == 4242)
        #expect(r["quietwire.agent.label"]?.text == "org.example.fetcher" && r["attribution.skew"]?.double != nil)
        let none = try #require(rows.first { $0["id.orig_p"]?.integer == 35642 })
        #expect(none["attribution.method"]?.text == "none" && none["process.pid"] == nil && none["attribution.confidence"]?.double == 0)
    }

    @Test func hostileFeedStringsCannotBreakAConnLogRow() throws {
        let correlator = Correlator()
        let nasty = "a\tb\nc\\d\"e\u{1}"
        correlator.ingest([.socket(SocketRecord(time: Timestamp(seconds: 1_300_475_168, nanoseconds: 892_913_000), hostID: nasty, event: .open,
                                                transport: 6, localAddress: IPAddress("141.142.220.118"), localPort: 49999,
                                                remoteAddress: IPAddress("208.80.152.3"), remotePort: 80,
                                                process: ProcessIdentity(pid: 1, executable: nasty, name: "-", label: "(empty)"), source: nasty))])
        for format in [ZeekLogFormat.tsv, .json] {
            let logs = ZeekLogSet(format: format, attributor: FlowAttributor(correlator: correlator))
            _ = try LogRun(settings: FlowSettings()).run(files: [Self.scenario.appendingPathComponent("sample.pcap").path], filter: nil, logs: logs)
            if format == .tsv {
                let lines = logs.conn.text.split(separator: "\n").filter { !$0.hasPrefix("#") }
                #expect(lines.count == 34 && lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 41 })
                let row = try #require(ZeekConnDifferentialTests.parse(logs.conn.text).rows.first { $0["id.orig_p"] == "49999" })
                #expect(row["host.id"] == "a\\x09b\\x0ac\\x5cd\"e\\x01" && row["process.name"] != "-" && row["quietwire.agent.label"] != "(empty)")
            } else {
                let row = try #require(try logs.conn.text.split(separator: "\n").map { try JSONParser.parse(String($0)) }.first { $0["id.orig_p"]?.integer == 49999 })
                #expect(row["host.id"]?.text == nasty && row["process.executable"]?.text == nasty)
            }
        }
    }
}

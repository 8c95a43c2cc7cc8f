import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// Every name a flow carries must be backed by a DNS response tshark saw: sent to the flow's
/// originator before the flow began, for the name we give, with the responder's address among
/// its A/AAAA answers.
@Suite("Resolved names against tshark")
struct ResolvedNameTests {
    struct Answer { var time: Double; var client: String; var name: String; var addresses: Set<String> }

    static func tsharkAnswers(_ path: String) throws -> [Answer] {
        let text = try Tool.run("tshark", ["-n", "-r", path, "-Y", "dns.flags.response==1 && dns.flags.rcode==0", "-T", "fields",
                                           "-E", "occurrence=a", "-E", "aggregator=,",
                                           "-e", "frame.time_epoch", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "dns.qry.name",
                                           "-e", "dns.a", "-e", "dns.aaaa"])
        return text.split(separator: "\n").compactMap { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count >= 6, let t = Double(c[0]) else { return nil }
            let client = (c[1].isEmpty ? c[2] : c[1]).split(separator: ",").last.map(String.init) ?? ""
            let name = c[3].split(separator: ",").first.map(String.init) ?? ""
            let addresses = Set((c[4].split(separator: ",") + c[5].split(separator: ",")).map(String.init))
            return Answer(time: t, client: client, name: name, addresses: addresses)
        }
    }

    @Test(arguments: Fixtures.realCaptures())
    func everyNameIsBackedByADNSAnswer(capture: String) throws {
        let path = Fixtures.path(capture)
        let logs = ZeekLogSet(format: .tsv)
        var settings = FlowSettings()
        settings.localNetworks = .zeekPrivate
        _ = try LogRun(settings: settings).run(files: [path], filter: nil, logs: logs)
        let rows = ZeekConnDifferentialTests.parse(logs.conn.text).rows.filter { ($0["resolved_name"] ?? "-") != "-" }
        guard !rows.isEmpty else { return }
        let answers = try Self.tsharkAnswers(path)
        for row in rows {
            let start = Double(row["ts"] ?? "") ?? 0
            let backed = answers.contains { a in
                a.client == row["id.orig_h"] && a.name == row["resolved_name"]
                    && a.addresses.contains(row["id.resp_h"] ?? "") && a.time <= start + 1e-6
            }
            #expect(backed, "\(capture): \(row["id.orig_h"] ?? "") -> \(row["id.resp_h"] ?? "") named \(row["resolved_name"] ?? "") without a DNS answer tshark saw")
        }
    }

    @Test func browsingFlowsAreNamed() throws {
        let logs = ZeekLogSet(format: .tsv)
        _ = try LogRun(settings: FlowSettings()).run(files: [Fixtures.path("real/zeek__wikipedia.pcap")], filter: nil, logs: logs)
        let named = ZeekConnDifferentialTests.parse(logs.conn.text).rows.filter { ($0["resolved_name"] ?? "-") != "-" }
        // Six flows to 208.80.152.3 begin after their client's answers for upload.wikimedia.org, and
        // one to .2 after the answer for meta.wikimedia.org; the flow to .2 at 168.652 began before it.
        #expect(named.count == 7)
        #expect(named.filter { $0["id.resp_h"] == "208.80.152.3" && $0["resolved_name"] == "upload.wikimedia.org" }.count == 6)
        let all = ZeekConnDifferentialTests.parse(logs.conn.text).rows
        #expect(all.contains { $0["id.orig_p"] == "35634" && $0["resolved_name"] == "-" })
    }
}

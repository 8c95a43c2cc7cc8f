import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// http.log against tshark on every real capture: for each TCP connection whose start we saw,
/// the requests (method, host, URI, user agent) and the response status codes, in order, must
/// be tshark's.
@Suite("http.log against tshark")
struct HTTPDifferentialTests {
    struct Exchange: Equatable {
        var requests: [String] = []
        var statuses: [String] = []
    }

    static func tshark(_ path: String) throws -> [String: Exchange] {
        let text = try Tool.run("tshark", ["-n", "-r", path, "-Y", "http.request || http.response", "-T", "fields",
                                           "-E", "occurrence=f", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                                           "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "http.request.method",
                                           "-e", "http.host", "-e", "http.request.uri", "-e", "http.user_agent", "-e", "http.response.code"])
        var out: [String: Exchange] = [:]
        for line in text.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count >= 11 else { continue }
            let src = [c[0].isEmpty ? c[1] : c[0], c[2]].joined(separator: " ")
            let dst = [c[3].isEmpty ? c[4] : c[3], c[5]].joined(separator: " ")
            if !c[6].isEmpty {
                out[src + " " + dst, default: Exchange()].requests.append([c[6], c[7], c[8], c[9]].joined(separator: " | "))
            } else if !c[10].isEmpty {
                out[dst + " " + src, default: Exchange()].statuses.append(c[10])
            }
        }
        return out
    }

    static func compare(_ capture: String) throws -> (Int, [String]) {
        let path = Fixtures.path(capture)
        let theirs = try tshark(path)
        guard !theirs.isEmpty else { return (0, []) }
        let logs = ZeekLogSet(format: .tsv)
        _ = try LogRun(settings: FlowSettings()).run(files: [path], filter: nil, logs: logs)
        let key = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]
        let conn = ZeekConnDifferentialTests.parse(logs.conn.text).rows
        var ours: [String: [(Int, [String: String])]] = [:]
        for row in ZeekConnDifferentialTests.parse(logs.http.log.text).rows {
            ours[key.map { row[$0] ?? "" }.joined(separator: " "), default: []].append((Int(row["trans_depth"] ?? "") ?? 0, row))
        }
        var compared = 0
        var notes: [String] = []
        for (tuple, exchange) in theirs.sorted(by: { $0.key < $1.key }) where !exchange.requests.isEmpty {
            guard conn.contains(where: { r in key.map { r[$0] ?? "" }.joined(separator: " ") == tuple && (r["history"] ?? "").hasPrefix("S") })
            else { continue }  // only connections whose start was seen are followed
            compared += 1
            let rows = (ours[tuple] ?? []).sorted { $0.0 < $1.0 }.map { $0.1 }
            let mine = Exchange(
                requests: rows.compactMap { r in
                    r["method"].flatMap { $0 == "-" ? nil : [$0, r["host"] ?? "-", r["uri"] ?? "-", r["user_agent"] ?? "-"]
                        .map { $0 == "-" ? "" : $0 }.joined(separator: " | ") }
                },
                statuses: rows.compactMap { r in r["status_code"].flatMap { $0 == "-" ? nil : $0 } })
            if mine != exchange { notes.append("\(tuple): tshark \(exchange) ours \(mine)") }
        }
        return (compared, notes)
    }

    @Test(arguments: Fixtures.realCaptures())
    func requestsAndStatusesMatchTshark(capture: String) throws {
        for note in try Self.compare(capture).1 { Issue.record("\(capture): \(note)") }
    }

    @Test(arguments: ["real/zeek__pipelined-requests.pcap", "real/zeek__wikipedia.pcap", "real/zeek__workshop_2011_browse.pcap",
                      "zeek/scripts.base.protocols.http.m57-long-download-windowsupdate-1/m57-long-49583-80.pcap"])
    func comparisonRanOnKnownHTTPCaptures(capture: String) throws {
        #expect(try Self.compare(capture).0 > 0, "\(capture): no HTTP connection compared")
    }
}

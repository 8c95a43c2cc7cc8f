import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// Every server_name Zeek's ssl.log baselines record for a connection (TLS over TCP and QUIC)
/// must be the server_name our conn.log gives the same 5-tuple.
@Suite("server_name against Zeek's ssl.log")
struct ZeekServerNameTests {
    /// Known misses, with their reason; each must still miss (or be removed from here).
    static let knownMisses: [String: String] = [
        "scripts.base.protocols.quic.39264-rand":
            "the ClientHello spans three QUIC Initial packets; CRYPTO reassembly across packets is not built yet",
    ]

    static func cases() -> [String] {
        ZeekConnDifferentialTests.cases().filter { name in
            let dir = Fixtures.root.appendingPathComponent("zeek/\(name)").path
            guard let text = try? String(contentsOfFile: dir + "/ssl.log", encoding: .utf8) else { return false }
            return text.contains("server_name") && text.contains("id.orig_h")
        }
    }

    @Test(arguments: cases())
    func serverNamesMatch(name: String) throws {
        let dir = Fixtures.root.appendingPathComponent("zeek/\(name)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let trace = try #require(files.first { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") })
        let ssl = ZeekConnDifferentialTests.parse(try String(contentsOf: dir.appendingPathComponent("ssl.log"), encoding: .utf8))
        let logs = ZeekLogSet(format: .tsv)
        _ = try LogRun(settings: FlowSettings()).run(files: [dir.appendingPathComponent(trace).path], filter: nil, logs: logs)
        let ours = ZeekConnDifferentialTests.parse(logs.conn.text).rows
        let key = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]
        var compared = 0
        var misses: [String] = []
        for row in ssl.rows where (row["server_name"] ?? "-") != "-" {
            let mine = ours.filter { r in key.allSatisfy { r[$0] == row[$0] } }
            if !mine.contains(where: { $0["server_name"] == row["server_name"] }) {
                misses.append("\(key.map { row[$0] ?? "" }.joined(separator: " ")) zeek=\(row["server_name"] ?? "") ours=\(mine.map { $0["server_name"] ?? "" })")
            }
            compared += 1
        }
        if Self.knownMisses[name] != nil {
            #expect(!misses.isEmpty, "\(name) now matches Zeek: remove it from knownMisses")
        } else {
            #expect(misses.isEmpty, "\(name): \(misses.joined(separator: "; "))")
        }
        #expect(compared > 0 || ssl.rows.allSatisfy { ($0["server_name"] ?? "-") == "-" })
    }
}

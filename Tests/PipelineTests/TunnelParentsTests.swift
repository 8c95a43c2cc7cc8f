import Foundation
import TestSupport
import Testing

/// conn.log's tunnel_parents against Zeek's: uids differ between the tools, so each parent uid
/// is resolved to its row's tuple on both sides, and the tuples must agree.
@Suite("tunnel_parents against Zeek")
struct TunnelParentsTests {
    static let key = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]

    static func tuple(_ r: [String: String]) -> String { key.map { r[$0] ?? "" }.joined(separator: " ") }

    @Test func parentsNameTheSameCarriers() throws {
        var compared = 0
        var notes: [(name: String, note: String)] = []
        for (name, log) in ZeekLogDifferential.cases(with: "conn.log") {
            let (logs, theirs) = try ZeekLogDifferential.run(name, log: log)
            guard theirs.fields.contains("tunnel_parents"), theirs.fields.contains("uid"), theirs.fields.contains("id.orig_h") else { continue }
            let ours = ZeekConnDifferentialTests.parse(logs.conn.text).rows
            let theirTuple = Dictionary(theirs.rows.map { ($0["uid"] ?? "", Self.tuple($0)) }, uniquingKeysWith: { a, _ in a })
            let ourTuple = Dictionary(ours.map { ($0["uid"] ?? "", Self.tuple($0)) }, uniquingKeysWith: { a, _ in a })
            for row in theirs.rows {
                guard let parents = row["tunnel_parents"], parents != "-" else { continue }
                // Zeek names IP tunnels (GRE, IP-in-IP) by tunnel uids with no conn.log row; those are not compared.
                let expected = parents.split(separator: ",").compactMap { theirTuple[String($0)] }
                guard !expected.isEmpty else { continue }
                compared += 1
                guard let mine = ours.first(where: { Self.tuple($0) == Self.tuple(row) }) else { continue }  // a missing row is the conn test's
                let got = (mine["tunnel_parents"] ?? "-").split(separator: ",").compactMap { ourTuple[String($0)] }
                if Set(got) != Set(expected) { notes.append((name, "\(Self.tuple(row)) tunnel_parents: zeek=\(expected) ours=\(got)")) }
            }
        }
        print("tunnel_parents compared with Zeek: \(compared) rows")
        #expect(compared >= 5)
        try ZeekLogDifferential.holdToExpectations("zeek-tunnel-expectations.tsv", notes)
    }
}

import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// Differential tests against Zeek's ssl.log and quic.log baselines (TLS over TCP and QUIC):
/// every compared column must agree, conn.log must carry Zeek's server_name, and every
/// difference must be explained in Tests/Fixtures/zeek-ssl-expectations.tsv or
/// zeek-quic-expectations.tsv.
@Suite("ssl.log, quic.log and server_name against Zeek")
struct ZeekServerNameTests {
    static let sslColumns = ["version", "cipher", "curve", "server_name", "resumed", "last_alert", "next_protocol",
                             "established", "ssl_history"]
    static let quicColumns = ["version", "client_initial_dcid", "client_scid", "server_scid", "server_name",
                              "client_protocol", "history"]

    @Test func sslLogAgreesWithZeekOrTheDifferenceIsExplained() throws {
        var notes: [(name: String, note: String)] = []
        var compared = 0
        for (name, log) in ZeekLogDifferential.cases(with: "ssl.log") {
            let (logs, theirs) = try ZeekLogDifferential.run(name, log: log)
            let ours = ZeekConnDifferentialTests.parse(logs.ssl.log.text).rows
            let result = ZeekLogDifferential.compare(theirs: theirs, ours: ours, columns: Self.sslColumns)
            compared += result.compared
            notes += result.notes.map { (name, $0) }
            // conn.log carries the SNI too.
            let conn = ZeekConnDifferentialTests.parse(logs.conn.text).rows
            let key = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]
            for row in theirs.rows where key.allSatisfy({ theirs.fields.contains($0) }) {
                guard let sni = row["server_name"], sni != "-" else { continue }
                if !conn.contains(where: { r in key.allSatisfy { r[$0] == row[$0] } && r["server_name"] == sni }) {
                    notes.append((name, key.map { row[$0] ?? "" }.joined(separator: " ") + " conn.log server_name: zeek=\(sni)"))
                }
            }
        }
        print("Zeek ssl.log: \(compared - notes.count) of \(compared) compared cells agree")
        #expect(compared >= 150, "the ssl.log cases hold about 20 rows of 9 columns; were fixtures lost?")
        try ZeekLogDifferential.holdToExpectations("zeek-ssl-expectations.tsv", notes)
    }

    @Test func quicLogAgreesWithZeekOrTheDifferenceIsExplained() throws {
        var notes: [(name: String, note: String)] = []
        var compared = 0
        for (name, log) in ZeekLogDifferential.cases(with: "quic.log") {
            let (logs, theirs) = try ZeekLogDifferential.run(name, log: log)
            let ours = ZeekConnDifferentialTests.parse(logs.quic.log.text).rows
            let result = ZeekLogDifferential.compare(theirs: theirs, ours: ours, columns: Self.quicColumns)
            compared += result.compared
            notes += result.notes.map { (name, $0) }
        }
        print("Zeek quic.log: \(compared - notes.count) of \(compared) compared cells agree")
        #expect(compared >= 60, "the quic.log cases hold 10 rows of 7 columns; were fixtures lost?")
        try ZeekLogDifferential.holdToExpectations("zeek-quic-expectations.tsv", notes)
    }
}

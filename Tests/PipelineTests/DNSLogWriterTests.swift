@testable import Flows
import Foundation
import Outputs
import SensorCore
import Testing

/// dns.log rows from hostile names and answers: separators, set separators, control and
/// non-UTF-8 bytes, Zeek's own markers.
@Suite("dns.log writer with hostile values")
struct DNSLogWriterTests {
    func transaction(_ query: [UInt8], answers: [[UInt8]]) -> DNSTransaction {
        var t = DNSTransaction(start: Timestamp(seconds: 1_700_000_000, nanoseconds: 0),
                               connection: ConnectionID(uid: "Cx", originator: IPAddress("10.0.0.1")!, originatorPort: 5000,
                                                        responder: IPAddress("8.8.8.8")!, responderPort: 53, proto: 17),
                               transactionID: 1)
        t.query = query
        t.qtype = 16
        t.qclass = 1
        t.rcode = 0
        t.rtt = 1_500_000
        t.answers = answers
        t.ttls = answers.map { _ in 60 }
        return t
    }

    static let hostile: [[UInt8]] = [Array("-".utf8), Array("(empty)".utf8), Array("a\tb\nc".utf8), Array("x,y".utf8),
                                     [0xFF, 0xFE, 0x00, 0x5C], []]

    @Test(arguments: hostile)
    func wireBytesCannotBreakARowAColumnOrAnAnswerList(value: [UInt8]) throws {
        let tsv = DNSLogWriter(format: .tsv)
        tsv.write(transaction(value, answers: [value, Array("TXT 3 a,b".utf8)]))
        tsv.close()
        let rows = tsv.log.text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count == 1)
        let columns = rows[0].split(separator: "\t", omittingEmptySubsequences: false)
        #expect(columns.count == 26)
        #expect(columns[9] != "-" && columns[9] != "(empty)" || value.isEmpty && columns[9] == "(empty)")
        #expect(columns[21].split(separator: ",", omittingEmptySubsequences: false).count == 2, "answers: \(columns[21])")
        #expect(columns[22] == "60.000000,60.000000" && columns[8] == "0.001500")

        let json = DNSLogWriter(format: .json)
        json.write(transaction(value, answers: [value]))
        let line = json.log.text.trimmingCharacters(in: .newlines)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((object["answers"] as? [String])?.count == 1 && (object["TTLs"] as? [Double]) == [60])
        #expect(object["qtype_name"] as? String == "TXT" && object["id.resp_p"] as? Int == 53)
    }

    @Test func unsetValuesAreDashesInTSVAndAbsentInJSON() throws {
        var t = transaction(Array("a.example".utf8), answers: [])
        t.rcode = nil; t.rtt = nil; t.answers = nil; t.ttls = nil
        let json = DNSLogWriter(format: .json)
        json.write(t)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.log.text.utf8)) as? [String: Any])
        #expect(object["rcode"] == nil && object["rtt"] == nil && object["answers"] == nil && object["query"] as? String == "a.example")
        let tsv = DNSLogWriter(format: .tsv)
        tsv.write(t)
        let row = try #require(tsv.log.text.split(separator: "\n").first { !$0.hasPrefix("#") })
        let columns = row.split(separator: "\t", omittingEmptySubsequences: false)
        #expect(columns[8] == "-" && columns[14] == "-" && columns[15] == "-" && columns[21] == "-" && columns[22] == "-")
    }
}

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

    /// TSV rows are written field by field and JSON through values: both must say the same.
    @Test(arguments: [false, true])
    func tsvAndJSONCarryTheSameValues(unset: Bool) throws {
        var t = transaction(Array("www.example.com".utf8), answers: [Array("93.184.216.34".utf8), Array("a,b".utf8)])
        t.authoritative = true; t.recursionDesired = true; t.z = 2; t.opcode = 5; t.qtype = 33
        if unset { t.rcode = nil; t.rtt = nil; t.answers = nil; t.ttls = nil; t.qclass = nil; t.qtype = nil }
        let tsv = DNSLogWriter(format: .tsv), json = DNSLogWriter(format: .json)
        tsv.write(t)
        json.write(t)
        let lines = tsv.log.text.split(separator: "\n")
        let fields = try #require(lines.first { $0.hasPrefix("#fields") }).split(separator: "\t").dropFirst()
        let columns = try #require(lines.first { !$0.hasPrefix("#") }).split(separator: "\t", omittingEmptySubsequences: false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.log.text.utf8)) as? [String: Any])
        #expect(fields.count == columns.count)
        for (name, column) in zip(fields, columns) {
            let key = String(name)
            guard let value = object[key] else {
                #expect(column == "-", "\(key): TSV \(column), absent from JSON")
                continue
            }
            if column == "T" || column == "F" {
                #expect((value as? Bool) == (column == "T"), "\(key)")
                continue
            }
            func text(_ v: Any) -> String {
                if let s = v as? String { return s.replacingOccurrences(of: ",", with: "\\x2c") }
                if let n = v as? NSNumber { return n.doubleValue == n.doubleValue.rounded() && !column.contains(".") ? String(n.int64Value) : String(format: "%.6f", n.doubleValue) }
                return "?"
            }
            let rendered = (value as? [Any]).map { $0.isEmpty ? "(empty)" : $0.map(text).joined(separator: ",") } ?? text(value)
            #expect(rendered == String(column), "\(key)")
        }
    }
}

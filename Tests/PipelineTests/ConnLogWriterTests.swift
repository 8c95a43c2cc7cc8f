@testable import Flows
import Foundation
import Outputs
import SensorCore
import Testing

/// conn.log rows from hostile values: timestamps at the extremes, names that read as Zeek's
/// markers or carry separators, control bytes and quotes.
@Suite("conn.log writer with hostile values")
struct ConnLogWriterTests {
    func record(start: Int64, end: Int64, name: String?) -> FlowRecord {
        FlowRecord(start: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: end),
                   connection: ConnectionID(uid: "Cx", originator: IPAddress("10.0.0.1")!, originatorPort: 1,
                                            responder: IPAddress("8.8.8.8")!, responderPort: 53, proto: 17),
                   service: [], connState: "S0", history: "D", originatorBytes: 0, responderBytes: 0,
                   originatorPackets: 1, responderPackets: 0, originatorIPBytes: 28, responderIPBytes: 0, missedBytes: 0,
                   localOriginator: true, localResponder: false, vlan: 0, communityID: CommunityID(high: 0, middle: 0, low: 0), resolvedName: name,
                   serverName: name, originatorEntropy: 7.519, portService: "dns", tunnelParents: ["CP"], tunnelled: true, interim: false)
    }

    @Test(arguments: [Int64.max, Int64.max - 100, Int64.min, Int64.min + 100, 0, -1])
    func extremeTimestampsDoNotTrap(ns: Int64) {
        for format in [ZeekLogFormat.tsv, .json] {
            let w = ConnLogWriter(format: format)
            w.write(record(start: ns, end: ns == Int64.min ? ns : ns &- 1, name: nil))
            w.write(record(start: Int64.min, end: Int64.max, name: nil))
            #expect(w.rows == 2)
        }
    }

    @Test(arguments: ["-", "(empty)", "a\tb\nc", "x\"y\\z", "\u{01}\u{7f}", String(repeating: "é", count: 300)])
    func wireNamesCannotBreakARowOrAColumn(name: String) throws {
        let tsv = ConnLogWriter(format: .tsv)
        tsv.write(record(start: 1, end: 2, name: name))
        let row = try #require(tsv.text.split(separator: "\n").first { !$0.hasPrefix("#") })
        let columns = row.split(separator: "\t", omittingEmptySubsequences: false)
        #expect(columns.count == 27)
        #expect(columns[23] != "-" && columns[23] != "(empty)" && columns[23] == columns[24])
        #expect(columns[25] == "7.52" && columns[26] == "dns" && columns[20] == "CP")
        let json = ConnLogWriter(format: .json)
        json.write(record(start: 1, end: 2, name: name))
        let line = json.text.trimmingCharacters(in: .newlines)
        #expect(!line.contains("\n"))
        #expect(line.hasSuffix("}"))
    }
}

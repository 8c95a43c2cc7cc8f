import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// weird.log: a row per packet with a weird (below the sampling threshold), named as in the
/// decode summary, with the uid of the packet's flow when it has one.
@Suite("weird.log")
struct WeirdLogTests {
    @Test func everyWeirdPacketIsLoggedWithItsFlow() throws {
        let logs = ZeekLogSet(format: .tsv)
        let result = try LogRun(settings: FlowSettings()).run(files: [Fixtures.path("real/ndpi__dns_exfiltration.pcap")],
                                                             filter: nil, logs: logs)
        let rows = ZeekConnDifferentialTests.parse(logs.weird.log.text).rows
        let counted = Int(result.decode.weirds.total)
        #expect(counted == 150 && rows.count == counted)
        #expect(rows.allSatisfy { $0["name"] == "ipv4_bad_checksum" && $0["source"] == "decoder" })
        let uids = Set(ZeekConnDifferentialTests.parse(logs.conn.text).rows.compactMap { $0["uid"] })
        #expect(rows.allSatisfy { uids.contains($0["uid"] ?? "") }, "each weird names the flow its packet updated")
    }

    @Test func pastTheThresholdOneInTheRateIsWritten() {
        let log = WeirdLogWriter(format: .tsv)
        let total = Int(WeirdLogWriter.samplingThreshold) + 2500
        for k in 0..<total {
            log.note(.ipv4BadChecksum, at: .zero, uid: nil, endpoints: nil, count: k % 2 + 1)
        }
        #expect(log.rows == Int(WeirdLogWriter.samplingThreshold) + 2)  // the 2000th and 3000th
    }
}

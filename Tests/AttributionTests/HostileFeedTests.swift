import Foundation
@testable import Flows
import SensorCore
import Testing
@testable import Attribution
#if canImport(Glibc)
import Glibc
#endif

/// Regressions for hostile feed input found in review: none may trap, hang, or cost good lines.
@Suite struct HostileFeedTests {
    @Test func invalidUTF8InALeadingCommentCannotShiftThePlistCut() {
        var bytes = Array("<!--".utf8) + [UInt8](repeating: 0xFF, count: 10) + Array("-->".utf8) + Array("<plist/>".utf8)
        #expect(throws: FeedLineError.self) { try LaunchdInventory.agent(plist: Data(bytes), hostID: "h", path: "/x.plist") }
        bytes = [0xEF, 0xBB, 0xBF] + Array("<!-- é -->\n<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Label</key><string>a</string><key>Program</key><string>/p</string></dict></plist>".utf8)
        #expect((try? LaunchdInventory.agent(plist: Data(bytes), hostID: "h", path: "/x.plist"))?.label == "a")
    }

    @Test func plistsThatAreNotRegularFilesOrTooLargeAreReportedNotRead() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qw-inv-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/h/LaunchAgents", withIntermediateDirectories: true)
        #if canImport(Glibc)
        #expect(mkfifo(root + "/h/LaunchAgents/fifo.plist", 0o600) == 0)
        #endif
        try Data(count: (1 << 20) + 1).write(to: URL(fileURLWithPath: root + "/h/LaunchAgents/huge.plist"))
        let load = try LaunchdInventory.read(directory: root)
        #expect(load.agents.isEmpty)
        #expect(load.problems.contains { $0.feed.hasSuffix("huge.plist") && $0.reason.contains("larger than") })
        #if canImport(Glibc)
        #expect(load.problems.contains { $0.feed.hasSuffix("fifo.plist") && $0.reason.contains("not a regular file") })
        #endif
    }

    static let good = #"{"type":"socket","time":1795946400,"host_id":"h","event":"open","transport":"tcp","pid":1,"local_port":5}"#

    @Test func anOddFirstLineDoesNotTurnAJSONFeedIntoLsof() {
        let bom = FeedReader.read(text: "\u{FEFF}" + Self.good + "\n" + Self.good)
        #expect(bom.recordCount == 2 && bom.problems.isEmpty)
        let cut = FeedReader.read(text: "ype\":\"socket\"}\n" + Self.good + "\n" + Self.good)
        #expect(cut.recordCount == 2 && cut.problemCount == 1 && cut.problems.first?.line == 1)
        // A real lsof feed is still recognised by its marker or its p line.
        #expect(FeedReader.read(text: "p12\ncx\nf3\ntIPv4\nPTCP\nn*:80\n").formats[.lsof] == 0)
        #expect(FeedReader.read(text: "p12\ncx\nf3\ntIPv4\nPTCP\nn*:80\n").problems.first?.reason.contains("marker") == true)
    }

    @Test func aStrayOpeningBraceCostsOneLineNotTheFeed() {
        let text = "{\n" + Array(repeating: Self.good, count: 50).joined(separator: "\n") + "\n"
        let load = FeedReader.read(text: text)
        #expect(load.recordCount == 50 && load.problemCount == 1 && load.problems.first?.line == 1)
        // A real pretty-printed document still reads.
        let pretty = "{\n  \"type\": \"host\",\n  \"host_id\": \"h\",\n  \"addresses\": [\n    \"10.0.0.1\"\n  ]\n}\n" + Self.good
        let both = FeedReader.read(text: pretty)
        #expect(both.recordCount == 2 && both.problems.isEmpty)
    }

    @Test func fieldsThatArePresentButWrongAreReported() {
        let badPort = FeedReader.read(text: #"{"type":"socket","time":1,"host_id":"h","event":"open","transport":"tcp","pid":1,"local_port":5,"remote_address":"1.2.3.4","remote_port":70000}"#)
        #expect(badPort.problems.first?.reason.contains("remote_port") == true)
        let badValidity = FeedReader.read(text: #"{"type":"host","host_id":"h","addresses":["10.0.0.1"],"valid_to":"2026-13-01"}"#)
        #expect(badValidity.problems.first?.reason.contains("valid_to") == true)
        // Years outside what Int64 nanoseconds hold are not times.
        #expect(FeedTime.rfc3339("2300-01-01T00:00:00Z") == nil && FeedTime.rfc3339("1600-01-01T00:00:00Z") == nil)
    }

    @Test func mappedAndUnspecifiedAddressesAreNormalised() {
        #expect(FeedField.address(.string("::ffff:10.1.0.20")) == IPAddress("10.1.0.20"))
        #expect(FeedField.address(.string("[::ffff:10.1.0.20]")) == IPAddress("10.1.0.20"))
        #expect(FeedField.address(.string("0.0.0.0")) == nil && FeedField.address(.string("::")) == nil)
        #expect(LsofFieldParser.endpoint("[::ffff:10.1.0.20]:443")?.0 == IPAddress("10.1.0.20"))
        // A wildcard bind in a native record matches as a wildcard.
        let c = Correlator()
        c.ingest([.host(HostRecord(hostID: "h", addresses: [IPAddress("10.0.0.5")!], source: "native")),
                  .socket(SocketRecord(time: Timestamp(seconds: 100, nanoseconds: 0), hostID: "h", event: .snapshot, transport: 17,
                                       localAddress: FeedField.address(.string("0.0.0.0")), localPort: 5353, remoteAddress: nil, remotePort: 0,
                                       process: ProcessIdentity(pid: 9), source: "native"))])
        #expect(c.attribute(CorrelatorTests.flowAt(100, "10.0.0.5", 5353, "224.0.0.251", 5353)).method == .port)
    }

    @Test func hostileTimesNeitherTrapNorWin() {
        let c = Correlator()
        c.ingest([
            .socket(SocketRecord(time: Timestamp(nanoseconds: Int64.min + 5), hostID: "evil", event: .open, transport: 6, localAddress: IPAddress("10.0.0.5"),
                                 localPort: 50000, remoteAddress: IPAddress("1.1.1.1"), remotePort: 443, process: ProcessIdentity(pid: 666), source: "x")),
            .socket(SocketRecord(time: Timestamp(seconds: 100, nanoseconds: 0), hostID: "h", event: .open, transport: 6, localAddress: IPAddress("10.0.0.5"),
                                 localPort: 50000, remoteAddress: IPAddress("1.1.1.1"), remotePort: 443, process: ProcessIdentity(pid: 7), source: "native")),
        ])
        let a = c.attribute(CorrelatorTests.flowAt(100, "10.0.0.5", 50000, "1.1.1.1", 443, proto: 6))
        #expect(a.process?.pid == 7)
        _ = c.attribute(CorrelatorTests.flowAt(Int64.max / 1_000_000_000, "10.0.0.5", 50000, "1.1.1.1", 443, proto: 6))
        var d = HostDirectory()
        d.note(HostRecord(hostID: "old", addresses: [IPAddress("10.0.0.9")!], validFrom: Timestamp(nanoseconds: .min), validTo: Timestamp(nanoseconds: .min + 1), source: "x"))
        #expect(d.host(of: IPAddress("10.0.0.9")!, at: Timestamp(nanoseconds: .max)) == nil)
    }

    @Test func theQueueKeepsReleasingAfterTimeGoesBackwards() {
        let c = Correlator()
        let q = AttributionQueue(correlator: c, lagSeconds: 10, capacity: 4)
        _ = q.push(CorrelatorTests.flowAt(Int64.max / 2_000_000_000, "10.0.0.5", 1, "1.1.1.1", 443, proto: 6), now: Timestamp(nanoseconds: Int64.max / 2))
        for k in 0..<100 {
            _ = q.push(CorrelatorTests.flowAt(Int64(k), "10.0.0.5", UInt16(k + 2), "1.1.1.1", 443, proto: 6), now: Timestamp(seconds: Int64(k) + 20, nanoseconds: 0))
        }
        #expect(q.count <= 4)
    }
}

extension CorrelatorTests {
    /// A one-second flow starting at `seconds` since 1970.
    static func flowAt(_ seconds: Int64, _ o: String, _ op: UInt16, _ r: String, _ rp: UInt16, proto: UInt8 = 17) -> FlowRecord {
        let start = Timestamp(seconds: seconds, nanoseconds: 0)
        return FlowRecord(start: start, end: Timestamp(nanoseconds: start.nanoseconds &+ 1_000_000_000),
                          connection: ConnectionID(uid: "C", originator: IPAddress(o)!, originatorPort: op, responder: IPAddress(r)!, responderPort: rp, proto: proto),
                          service: [], connState: "SF", history: "Dd", originatorBytes: 1, responderBytes: 1, originatorPackets: 1,
                          responderPackets: 1, originatorIPBytes: 40, responderIPBytes: 40, missedBytes: 0, localOriginator: true,
                          localResponder: false, vlan: 0, communityID: CommunityID(high: 0, middle: 0, low: 0), resolvedName: nil, serverName: nil, originatorEntropy: nil,
                          portService: nil, tunnelled: false, interim: false)
    }
}

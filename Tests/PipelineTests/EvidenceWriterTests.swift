@testable import Capture
import Flows
import Foundation
@testable import Pipeline
import SensorCore
import Testing
import TestSupport
import Wire

/// Evidence pcaps carry every fragment of a cited flow's datagrams, checked with tshark on a
/// real capture of fragmented DNS answers (nDPI's test trace): each answer is two fragments, and
/// only the second carries what the flow is keyed on.
@Suite struct EvidenceWriterTests {
    static let capture = Fixtures.path("real/ndpi__dns_fragmented.pcap")

    /// The flows of `path` as the flow table finishes them.
    static func flows(_ path: String) throws -> [FlowRecord] {
        let source = try PacketSource.openFile(path)
        let decoder = PacketDecoder(), table = FlowTable()
        var packet = DecodedPacket()
        while case .frame(let f) = source.next() {
            decoder.decode(f.bytes, linkType: f.linkType, timestamp: f.timestamp, wireLength: f.wireLength, into: &packet)
            decoder.withPayload(of: packet, frame: f.bytes) { table.update(packet, payload: $0) }
        }
        decoder.finish()
        table.flushAll()
        return table.drain()
    }

    /// tshark's frames of `path` as "epoch-time length", in file order.
    static func frames(_ path: String, filter: String? = nil) throws -> [String] {
        let filterArguments = filter.map { ["-Y", $0] } ?? []
        return try Tool.run("tshark", ["-n", "-r", path] + filterArguments + ["-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len"])
            .split(separator: "\n").map(String.init)
    }

    @Test func fragmentsOfCitedDatagramsAreWrittenWithTheFrameThatCompletesThem() throws {
        let records = try Self.flows(Self.capture)
        let cited = records.filter {
            ($0.connection.originator.description == "172.217.40.76" && $0.connection.originatorPort == 56680)
                || ($0.connection.originator.description == "2a00:1450:4013:c03::10a" && $0.connection.originatorPort == 46433)
        }
        #expect(cited.count == 2, "\(records.map(\.connection))")
        let dir = DemoScenarioTests.temporary("evidence")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let written = try EvidenceWriter.write([.init(id: "frag", flows: cited)], files: [Self.capture], directory: dir)
        #expect(written.count == 1 && written.first?.packets == 6 && written.first?.skipped == 0, "\(written)")

        // Frames 1-6 of the capture: each query, and both fragments of each answer, in order.
        let expected = try Self.frames(Self.capture, filter: "frame.number <= 6")
        #expect(expected.count == 6)
        #expect(try Self.frames(dir + "/frag.pcap") == expected)
        // tshark reassembles the answers from the evidence alone.
        let answers = try Tool.run("tshark", ["-n", "-r", dir + "/frag.pcap", "-Y", "dns.flags.response == 1", "-T", "fields", "-e", "dns.qry.name"])
        #expect(answers.split(separator: "\n").count == 2, "\(answers)")
    }

    @Test func heldFragmentsAreBoundedByCountAndTime() throws {
        var held = HeldFragments()
        let bytes: [UInt8] = Array(repeating: 0, count: 100)
        try bytes.withUnsafeBytes { raw in
            for i in 0..<(HeldFragments.maximumFrames + 10) {
                let frame = Frame(timestamp: Timestamp(seconds: 1000, nanoseconds: 0), captureLength: 100, wireLength: 100, linkType: .ethernet, bytes: FrameBytes(raw))
                held.hold(try #require(Self.key(UInt32(i))), frame: frame)
            }
            #expect(held.frames.count == HeldFragments.maximumFrames)
            #expect(held.take(Self.key(0)!).isEmpty && held.take(Self.key(10)!).count == 1)
            // Past the reassembler's timeout, everything older goes.
            held.hold(Self.key(1)!, frame: Frame(timestamp: Timestamp(seconds: 1031, nanoseconds: 0), captureLength: 100, wireLength: 100, linkType: .ethernet, bytes: FrameBytes(raw)))
            #expect(held.frames.count == 1)
            // A hostile file's time at the bottom of the range neither traps nor drops the frame.
            held.hold(Self.key(2)!, frame: Frame(timestamp: Timestamp(nanoseconds: .min + 5), captureLength: 100, wireLength: 100, linkType: .ethernet, bytes: FrameBytes(raw)))
            #expect(held.take(Self.key(2)!).count == 1)
        }
    }

    static func key(_ id: UInt32) -> FragmentKey? {
        let frame = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: 0x0a00_0001, proto: 17, [1, 2, 3, 4, 5, 6, 7, 8]))
        var p = frame.withUnsafeBytes { PacketDecoder().decode(FrameBytes($0), linkType: .ethernet, timestamp: .zero, wireLength: frame.count) }
        p.isFragment = true
        p.ipIdentification = id
        return p.fragmentKey
    }
}

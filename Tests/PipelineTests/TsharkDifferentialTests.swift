import Capture
import Foundation
import SensorCore
import TestSupport
import Testing
import Wire

/// Differential test: for every real capture, per frame, our decoder must report the same
/// IP addresses, IP protocol numbers and TCP/UDP ports as tshark (all layers: tunnel outsides,
/// insides, and headers quoted in ICMP errors), and the same packet count as capinfos.
/// Known disagreements are listed, with their reason, in Tests/Fixtures/decode-expectations.tsv;
/// an unlisted difference fails, and so does a listed one that no longer happens.
@Suite("Differential against tshark")
struct TsharkDifferentialTests {
    static let expectations = FrameExpectations(file: "decode-expectations.tsv")
    static let fields = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto", "ipv6.nxt",
                         "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]

    @Test("per-frame addresses, protocols and ports match tshark", arguments: Fixtures.realCaptures())
    func matchesTshark(capture: String) throws {
        let path = Fixtures.path(capture)
        let theirs = try tsharkFrames(path)
        let ours = try ourFrames(path)
        let expected = Self.expectations.entries(for: capture)
        var unexplained: [String] = []
        var used = Set<Int>()
        let frames = max(theirs.count, ours.count)
        for frame in 1...max(frames, 1) where frame <= frames {
            let t = frame <= theirs.count ? theirs[frame - 1] : [:]
            let o = frame <= ours.count ? ours[frame - 1] : [:]
            for field in Self.fields where (t[field] ?? "") != (o[field] ?? "") {
                if let i = expected.firstIndex(where: { $0.matches(frame: frame, field: field) }) {
                    used.insert(i)
                } else {
                    unexplained.append("frame \(frame) \(field): tshark=\(t[field] ?? "") ours=\(o[field] ?? "")")
                }
            }
        }
        let report = unexplained.prefix(20).joined(separator: "\n")
        #expect(unexplained.isEmpty, "\(capture): \(unexplained.count) differences from tshark\n\(report)")
        for (i, e) in expected.enumerated() where !used.contains(i) {
            Issue.record("\(capture): expectation '\(e.line)' no longer matches any difference; remove it")
        }
    }

    @Test("packet count matches capinfos", arguments: Fixtures.realCaptures())
    func countMatchesCapinfos(capture: String) throws {
        let path = Fixtures.path(capture)
        let info = try Tool.run("capinfos", ["-M", "-c", path])
        let line = try #require(info.split(separator: "\n").first { $0.contains("Number of packets") })
        let expected = try #require(Int(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)))
        let ours = try ourFrames(path).count
        #expect(ours == expected, "\(capture): capinfos counts \(expected) packets, we read \(ours)")
    }

    /// tshark's fields per frame, all occurrences comma-joined.
    func tsharkFrames(_ path: String) throws -> [[String: String]] {
        var args = ["-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        args += ["-e", "frame.number"]
        for f in Self.fields { args += ["-e", f] }
        let text = try Tool.run("tshark", args, environment: ["WIRESHARK_CONFIG_DIR": Self.emptyConfigDirectory])
        var frames: [[String: String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (i, f) in Self.fields.enumerated() where i + 1 < columns.count && !columns[i + 1].isEmpty {
                row[f] = columns[i + 1]
            }
            frames.append(row)
        }
        return frames
    }

    static let emptyConfigDirectory: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quietwire-tshark-config")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }()

    /// Our decoder's view in tshark's field vocabulary.
    func ourFrames(_ path: String) throws -> [[String: String]] {
        let source = try PacketSource.openFile(path)
        let decoder = PacketDecoder()
        var frames: [[String: String]] = []
        loop: while true {
            switch source.next() {
            case .frame(let f):
                let p = decoder.decode(f.bytes, linkType: f.linkType, timestamp: f.timestamp, wireLength: f.wireLength)
                frames.append(Self.fields(of: p))
            case .timeout: continue
            case .end, .truncated, .failed: break loop
            }
        }
        return frames
    }

    static func fields(of p: DecodedPacket) -> [String: String] {
        var layers: [IPLayer] = []
        if p.ipLayerCount >= 2 { layers.append(p.outer) }
        if p.ipLayerCount >= 1 { layers.append(p.inner) }
        if p.quoted.version != 0 { layers.append(p.quoted) }
        var row: [String: [String]] = [:]
        for l in layers {
            let (s, d, proto) = l.version == 4 ? ("ip.src", "ip.dst", "ip.proto") : ("ipv6.src", "ipv6.dst", "ipv6.nxt")
            row[s, default: []].append(l.source.description)
            row[d, default: []].append(l.destination.description)
            row[proto, default: []].append(String(l.headerProtocol.rawValue))
        }
        if p.tunnelSourcePort != 0 || p.tunnelDestinationPort != 0 {
            row["udp.srcport", default: []].append(String(p.tunnelSourcePort))
            row["udp.dstport", default: []].append(String(p.tunnelDestinationPort))
        }
        if p.hasPorts && !p.isFragment {
            switch p.ipProtocol {
            case .tcp:
                row["tcp.srcport", default: []].append(String(p.sourcePort))
                row["tcp.dstport", default: []].append(String(p.destinationPort))
            case .udp:
                row["udp.srcport", default: []].append(String(p.sourcePort))
                row["udp.dstport", default: []].append(String(p.destinationPort))
            default: break
            }
        }
        if p.quotedHasPorts {
            let (s, d) = p.quoted.upperProtocol == .tcp ? ("tcp.srcport", "tcp.dstport")
                : p.quoted.upperProtocol == .udp ? ("udp.srcport", "udp.dstport") : ("", "")
            if !s.isEmpty {
                row[s, default: []].append(String(p.quotedSourcePort))
                row[d, default: []].append(String(p.quotedDestinationPort))
            }
        }
        return row.mapValues { $0.joined(separator: ",") }
    }
}


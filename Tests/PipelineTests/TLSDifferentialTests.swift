import Flows
import Capture
import Foundation
import Outputs
import Pipeline
import SensorCore
import TestSupport
import Testing

/// ssl.log against tshark on every real capture: for each TCP connection whose handshake we
/// saw, the first ClientHello tshark decodes (reassembled across segments as needed) must give
/// the same server name and JA3 as our ssl.log row for that connection.
@Suite("ssl.log SNI and JA3 against tshark")
struct TLSDifferentialTests {
    struct Hello { var sni: String; var ja3: String }

    /// tshark's first ClientHello per TCP tuple (client address, port, server address, port).
    static func tsharkHellos(_ path: String) throws -> [String: Hello] {
        let text = try Tool.run("tshark", ["-n", "-r", path, "-Y", "tcp && tls.handshake.type==1", "-T", "fields",
                                           "-E", "occurrence=f",
                                           "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst",
                                           "-e", "tcp.dstport", "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.ja3"])
        var out: [String: Hello] = [:]
        for line in text.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count >= 8 else { continue }
            let key = [c[0].isEmpty ? c[1] : c[0], c[2], c[3].isEmpty ? c[4] : c[3], c[5]].joined(separator: " ")
            if out[key] == nil { out[key] = Hello(sni: c[6], ja3: c[7]) }
        }
        return out
    }

    /// Compares one capture; returns (compared, differences).
    static func compare(_ capture: String, absolute: Bool = false) throws -> (Int, [String]) {
        let path = absolute ? capture : Fixtures.path(capture)
        let theirs = try tsharkHellos(path)
        guard !theirs.isEmpty else { return (0, []) }
        let logs = ZeekLogSet(format: .tsv)
        _ = try LogRun(settings: FlowSettings()).run(files: [path], filter: nil, logs: logs)
        let key = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]
        let ssl = ZeekConnDifferentialTests.parse(logs.ssl.log.text).rows
        let conn = ZeekConnDifferentialTests.parse(logs.conn.text).rows
        var compared = 0
        var notes: [String] = []
        for (tuple, hello) in theirs.sorted(by: { $0.key < $1.key }) {
            // Only connections whose handshake we saw are followed (as Zeek's analyzers).
            guard conn.contains(where: { r in key.map { r[$0] ?? "" }.joined(separator: " ") == tuple && (r["history"] ?? "").hasPrefix("S") })
            else { continue }
            compared += 1
            guard let row = ssl.first(where: { r in key.map { r[$0] ?? "" }.joined(separator: " ") == tuple }) else {
                notes.append("\(tuple): no ssl.log row (tshark: sni=\(hello.sni) ja3=\(hello.ja3))")
                continue
            }
            let sni = row["server_name"] ?? "-"
            if sni != (hello.sni.isEmpty ? "-" : hello.sni) { notes.append("\(tuple) server_name: tshark=\(hello.sni) ours=\(sni)") }
            if row["ja3"] != hello.ja3 { notes.append("\(tuple) ja3: tshark=\(hello.ja3) ours=\(row["ja3"] ?? "-")") }
        }
        return (compared, notes)
    }

    @Test(arguments: Fixtures.realCaptures())
    func everyFollowedClientHelloMatchesTshark(capture: String) throws {
        let (_, notes) = try Self.compare(capture)
        for note in notes { Issue.record("\(capture): \(note)") }
    }

    /// Captures with TLS handshakes: the comparison must have run on each.
    @Test(arguments: ["real/ndpi__443-curl.pcap", "real/ndpi__chrome.pcap", "real/zeek__tls13-ech.pcap",
                      "real/zeek__chrome-34-google.pcap"])
    func comparisonRanOnKnownTLSCaptures(capture: String) throws {
        #expect(try Self.compare(capture).0 > 0, "\(capture): no ClientHello compared")
    }

    /// No real capture here splits a ClientHello over segments, so one is made from a real
    /// one: curl's ClientHello cut into three segments (the cuts inside the record header and
    /// inside the extensions), the middle one sent twice. tshark reassembles it; so must we.
    @Test func aClientHelloSplitAcrossSegmentsMatchesTshark() throws {
        let source = try PacketSource.openFile(Fixtures.path("real/ndpi__443-curl.pcap"))
        var frames: [(Timestamp, [UInt8])] = []
        loop: while true {
            switch source.next() {
            case .frame(let f): frames.append((f.timestamp, (0..<f.bytes.count).map { f.bytes.u8($0) }))
            case .timeout: continue
            default: break loop
            }
        }
        // Ethernet, IPv4 without options (checked), TCP: find the ClientHello.
        let index = try #require(frames.firstIndex { _, b in
            b.count > 54 && b[12] == 8 && b[13] == 0 && b[14] == 0x45 && b[23] == 6
                && b.count > 14 + 20 + Int(b[46] >> 4) * 4 + 5 && b[14 + 20 + Int(b[46] >> 4) * 4] == 0x16
                && b[14 + 20 + Int(b[46] >> 4) * 4 + 5] == 1
        })
        let (time, hello) = frames[index]
        let headers = 14 + 20 + Int(hello[46] >> 4) * 4
        let payload = Array(hello[headers...])
        let seq = UInt32(hello[38]) << 24 | UInt32(hello[39]) << 16 | UInt32(hello[40]) << 8 | UInt32(hello[41])
        func segment(_ range: Range<Int>) -> [UInt8] {
            var f = Array(hello[..<headers]) + payload[range]
            let total = f.count - 14
            f[16] = UInt8(total >> 8); f[17] = UInt8(total & 0xFF)
            let s = seq &+ UInt32(range.lowerBound)
            f[38] = UInt8(s >> 24); f[39] = UInt8((s >> 16) & 0xFF); f[40] = UInt8((s >> 8) & 0xFF); f[41] = UInt8(s & 0xFF)
            f[24] = 0; f[25] = 0  // IPv4 header checksum, recomputed
            var sum: UInt32 = 0
            for k in stride(from: 14, to: 34, by: 2) { sum += UInt32(f[k]) << 8 | UInt32(f[k + 1]) }
            while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
            f[24] = UInt8(~UInt16(sum) >> 8); f[25] = UInt8(~UInt16(sum) & 0xFF)
            return f
        }
        let cuts = [0..<3, 3..<200, 3..<200, 200..<payload.count]
        var rebuilt = Array(frames[..<index])
        for (k, cut) in cuts.enumerated() {
            rebuilt.append((Timestamp(nanoseconds: time.nanoseconds + Int64(k) * 1000), segment(cut)))
        }
        rebuilt += frames[(index + 1)...]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("split-hello-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writePcap(path, rebuilt)
        let theirs = try Self.tsharkHellos(path)
        #expect(theirs.count == 1 && theirs.values.first?.sni.isEmpty == false, "tshark did not reassemble the split hello")
        let (compared, notes) = try Self.compare(path, absolute: true)
        #expect(compared == 1)
        #expect(notes.isEmpty, "\(notes)")
    }

    /// A pcap file (microseconds, Ethernet) of `frames`.
    static func writePcap(_ path: String, _ frames: [(Timestamp, [UInt8])]) throws {
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        var out = le32(0xA1B2_C3D4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(65535) + le32(1)
        for (t, f) in frames {
            out += le32(UInt32(t.seconds)) + le32(UInt32(t.subsecondNanoseconds / 1000)) + le32(UInt32(f.count)) + le32(UInt32(f.count)) + f
        }
        try Data(out).write(to: URL(fileURLWithPath: path))
    }
}

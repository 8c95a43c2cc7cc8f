import AppProtocols
import Capture
import Foundation
import SensorCore
import TestSupport
import Testing
import Wire

/// Differential test: every frame tshark dissects as DNS, in every real capture, parsed by our
/// DNS parser: the same id, QR, RCODE, question names and types, and A/AAAA/CNAME answers.
/// Known differences are explained in Tests/Fixtures/dns-expectations.tsv.
@Suite("DNS against tshark")
struct DNSDifferentialTests {
    static let expectations = FrameExpectations(file: "dns-expectations.tsv")
    static let fields = ["dns.id", "dns.flags.response", "dns.flags.rcode", "dns.qry.name", "dns.qry.type",
                         "dns.a", "dns.aaaa", "dns.cname"]

    @Test(arguments: Fixtures.realCaptures())
    func matchesTshark(capture: String) throws {
        let path = Fixtures.path(capture)
        var args = ["-n", "-r", path, "-Y", "dns", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number"]
        for f in Self.fields { args += ["-e", f] }
        let text = try Tool.run("tshark", args)
        var theirs: [Int: [String: String]] = [:]
        for line in text.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let n = Int(c[0]) else { continue }
            var row: [String: String] = [:]
            for (i, f) in Self.fields.enumerated() where i + 1 < c.count && !c[i + 1].isEmpty { row[f] = c[i + 1] }
            theirs[n] = row
        }
        guard !theirs.isEmpty else { return }
        let ours = try Self.ourRows(path, frames: Set(theirs.keys))
        let expected = Self.expectations.entries(for: capture)
        var used = Set<Int>()
        var unexplained: [String] = []
        for (frame, row) in theirs.sorted(by: { $0.key < $1.key }) {
            guard let mine = ours[frame] else {
                if let i = expected.firstIndex(where: { $0.matches(frame: frame, field: "*") }) { used.insert(i) } else {
                    unexplained.append("frame \(frame): tshark dissects DNS, we parsed nothing")
                }
                continue
            }
            for f in Self.fields where (row[f] ?? "") != (mine[f] ?? "") {
                if let i = expected.firstIndex(where: { $0.matches(frame: frame, field: f) }) { used.insert(i) } else {
                    unexplained.append("frame \(frame) \(f): tshark=\(row[f] ?? "") ours=\(mine[f] ?? "")")
                }
            }
        }
        let report = unexplained.prefix(12).joined(separator: "\n")
        #expect(unexplained.isEmpty, "\(capture): \(unexplained.count) DNS differences\n\(report)")
        for (i, e) in expected.enumerated() where !used.contains(i) {
            Issue.record("\(capture): DNS expectation '\(e.line)' no longer matches; remove it")
        }
    }

    /// Our fields for the frames tshark listed: UDP payloads whole, TCP segments as a run of
    /// length-prefixed messages (a segment that does not start a message is left out).
    static func ourRows(_ path: String, frames: Set<Int>) throws -> [Int: [String: String]] {
        let source = try PacketSource.openFile(path)
        let decoder = PacketDecoder()
        var rows: [Int: [String: String]] = [:]
        var frame = 0
        loop: while true {
            switch source.next() {
            case .frame(let f):
                frame += 1
                let p = decoder.decode(f.bytes, linkType: f.linkType, timestamp: f.timestamp, wireLength: f.wireLength)
                guard frames.contains(frame), p.hasPorts else { continue }
                decoder.withPayload(of: p, frame: f.bytes) { payload in
                    var messages: [DNSMessage] = []
                    if p.ipProtocol == .udp {
                        if let m = DNSMessage.parse(payload) { messages.append(m) }
                    } else if p.ipProtocol == .tcp {
                        var o = 0
                        while payload.count - o >= 2 + 12 && messages.count < 256 {
                            let length = Int(payload.be16(o))
                            guard payload.count - (o + 2) >= length,
                                  let m = DNSMessage.parse(payload.slice(o + 2 ..< o + 2 + length)) else { break }
                            messages.append(m)
                            o += 2 + length
                        }
                    }
                    guard !messages.isEmpty else { return }
                    rows[frame] = Self.fields(of: messages)
                }
            case .timeout: continue
            default: break loop
            }
        }
        return rows
    }

    static func fields(of messages: [DNSMessage]) -> [String: String] {
        var row: [String: [String]] = [:]
        for m in messages {
            row["dns.id", default: []].append("0x" + String(repeating: "0", count: 4 - String(m.id, radix: 16).count) + String(m.id, radix: 16))
            row["dns.flags.response", default: []].append(m.isResponse ? "1" : "0")
            if m.isResponse { row["dns.flags.rcode", default: []].append(String(m.rcode & 0xF)) }
            for q in m.questions {
                row["dns.qry.name", default: []].append(q.name.text)
                row["dns.qry.type", default: []].append(String(q.type))
            }
            for r in m.answers + m.authorities + m.additionals {
                switch (r.type, r.data) {
                case (1, .address(let a)): row["dns.a", default: []].append(a.description)
                case (28, .address(let a)): row["dns.aaaa", default: []].append(a.description)
                case (5, .name(let n)): row["dns.cname", default: []].append(n.text)
                default: break
                }
            }
        }
        return row.mapValues { $0.joined(separator: ",") }
    }
}


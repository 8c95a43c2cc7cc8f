import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// conn.log against tshark, per real capture: the same set of TCP and UDP conversations
/// (unordered address and port pairs), at every layer: tunnel carriers and what they carry.
/// ICMP-quoted headers are not conversations. Differences must be explained in
/// Tests/Fixtures/conversation-expectations.tsv.
@Suite("Conversations against tshark")
struct ConversationSetTests {
    typealias Conversation = String

    static func conversation(_ proto: String, _ a: String, _ pa: String, _ b: String, _ pb: String) -> Conversation {
        let ends = ["\(a) \(pa)", "\(b) \(pb)"].sorted()
        return "\(proto) \(ends[0]) \(ends[1])"
    }

    /// tshark's conversations: each TCP or UDP layer of each frame paired with the IP layer just
    /// before it, walking frame.protocols.
    static func tshark(_ path: String) throws -> Set<Conversation> {
        let text = try Tool.run("tshark", ["-n", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;",
                                           "-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
                                           "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport"])
        var out = Set<Conversation>()
        for line in text.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
            guard c.count >= 9, let protocols = c[0].first?.split(separator: ":") else { continue }
            var n = ["ip": 0, "ipv6": 0, "tcp": 0, "udp": 0]
            var lastIP: (String, String)? = nil
            for token in protocols {
                switch token {
                case "ip", "ipv6":
                    let k = n[String(token)]!
                    n[String(token)] = k + 1
                    let (src, dst) = token == "ip" ? (c[1], c[2]) : (c[3], c[4])
                    lastIP = k < src.count && k < dst.count ? (src[k], dst[k]) : nil
                case "tcp", "udp":
                    let k = n[String(token)]!
                    n[String(token)] = k + 1
                    let (sp, dp) = token == "tcp" ? (c[5], c[6]) : (c[7], c[8])
                    if let ip = lastIP, k < sp.count, k < dp.count, !sp[k].isEmpty {
                        out.insert(conversation(String(token), ip.0, sp[k], ip.1, dp[k]))
                    }
                case "icmp", "icmpv6":
                    lastIP = nil  // what an ICMP error quotes is not a conversation
                default:
                    break
                }
                if token == "icmp" || token == "icmpv6" { break }
            }
        }
        return out
    }

    static func ours(_ path: String) throws -> Set<Conversation> {
        let logs = ZeekLogSet(format: .tsv)
        _ = try LogRun(settings: FlowSettings()).run(files: [path], filter: nil, logs: logs)
        var out = Set<Conversation>()
        for r in ZeekConnDifferentialTests.parse(logs.conn.text).rows where r["proto"] == "tcp" || r["proto"] == "udp" {
            out.insert(conversation(r["proto"]!, r["id.orig_h"] ?? "", r["id.orig_p"] ?? "", r["id.resp_h"] ?? "", r["id.resp_p"] ?? ""))
        }
        return out
    }

    @Test(arguments: Fixtures.realCaptures())
    func sameConversationsAsTshark(capture: String) throws {
        let path = Fixtures.path(capture)
        let theirs = try Self.tshark(path), mine = try Self.ours(path)
        let expectations = try String(contentsOf: Fixtures.root.appendingPathComponent("conversation-expectations.tsv"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.first == capture }
        var explained = Set<Int>()
        for (side, missing) in [("tshark only", theirs.subtracting(mine)), ("ours only", mine.subtracting(theirs))] {
            for conversation in missing.sorted() {
                let note = "\(side): \(conversation)"
                if let i = expectations.firstIndex(where: { $0.count >= 3 && note.hasPrefix($0[1]) }) {
                    explained.insert(i)
                } else {
                    Issue.record("\(capture): \(note)")
                }
            }
        }
        for (i, e) in expectations.enumerated() where !explained.contains(i) {
            Issue.record("conversation-expectations.tsv: '\(e[1])' no longer matches a difference; remove it")
        }
    }
}

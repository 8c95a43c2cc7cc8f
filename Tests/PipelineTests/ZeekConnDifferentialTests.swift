import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// Differential test against Zeek's own conn.log baselines (Tests/Fixtures/zeek): runs the
/// flow table over each case's trace, matches rows on the 5-tuple, and counts agreement per
/// column. The agreement rates are printed and must not fall below the floors in
/// Tests/Fixtures/zeek-conn-floor.tsv (raise them as the flow table improves).
@Suite("Differential against Zeek conn.log")
struct ZeekConnDifferentialTests {
    /// Columns compared, as the issue names them; `service` projected onto what we identify.
    static let columns = ["proto", "service", "conn_state", "history", "orig_bytes", "resp_bytes",
                          "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "community_id"]
    static let identifiable: Set<String> = ["dns", "http", "ssl", "ssh", "quic", "ayiya", "teredo", "vxlan", "geneve", "gtpv1"]

    struct Table { var fields: [String]; var rows: [[String: String]] }

    static func parse(_ text: String, headerless: [String]? = nil) -> Table {
        var fields: [String] = headerless ?? []
        var rows: [[String: String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("### ") { continue }
            if line.hasPrefix("#fields\t") { fields = line.split(separator: "\t").dropFirst().map(String.init); continue }
            if line.hasPrefix("#") { continue }
            let values = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if fields.isEmpty { fields = values; continue }  // zeek-cut -m: a plain header line
            var row: [String: String] = [:]
            for (i, f) in fields.enumerated() where i < values.count { row[f] = values[i] }
            rows.append(row)
        }
        return Table(fields: fields, rows: rows)
    }

    static func cases() -> [String] {
        let root = Fixtures.root.appendingPathComponent("zeek")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { name in
            let dir = root.appendingPathComponent(name).path
            return FileManager.default.fileExists(atPath: dir + "/conn.log") || FileManager.default.fileExists(atPath: dir + "/conn.log.cut")
        }.sorted()
    }

    /// Per-column (agree, compared) counts for one case, and rows missing on either side.
    struct Score { var agree: [String: Int] = [:]; var compared: [String: Int] = [:]; var missing = 0; var extra = 0; var rowsAllAgree = 0; var rows = 0; var notes: [String] = [] }

    static func score(_ name: String) throws -> Score {
        let dir = Fixtures.root.appendingPathComponent("zeek/\(name)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let trace = try #require(files.first { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") })
        let baselineName = files.contains("conn.log") ? "conn.log" : "conn.log.cut"
        let baselineText = try String(contentsOf: dir.appendingPathComponent(baselineName), encoding: .utf8)
        let firstData = baselineText.split(separator: "\n").first { !$0.hasPrefix("#") }
        let headerless = firstData.map { !$0.contains("id.orig_h") && !$0.contains("uid") && !baselineText.contains("#fields") } ?? false
        let theirs = parse(baselineText, headerless: headerless
            ? ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "community_id"] : nil)

        let caseText = (try? String(contentsOf: dir.appendingPathComponent("case.txt"), encoding: .utf8)) ?? ""
        let services = loadedServices(caseText)
        var settings = FlowSettings()
        settings.localNetworks = .zeekPrivate
        settings.verifyChecksums = caseText.contains("No -C: checksums are verified")
        let logs = ZeekLogSet(format: .tsv)
        _ = try LogRun(settings: settings).run(files: [dir.appendingPathComponent(trace).path], filter: nil, logs: logs)
        let ours = parse(logs.conn.text)

        var score = Score()
        let keyColumns = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"].filter { theirs.fields.contains($0) }
        let canKey = keyColumns.contains("id.orig_h") && keyColumns.contains("id.resp_h")
        var pool = ours.rows
        for row in theirs.rows {
            score.rows += 1
            var matchIndex: Int?
            if canKey {
                let key = keyColumns.map { row[$0] ?? "" }
                let candidates = pool.indices.filter { i in keyColumns.map { pool[i][$0] ?? "" } == key }
                // Among rows with the same tuple, take the one agreeing on most columns.
                matchIndex = candidates.max { a, b in agreement(row, pool[a]) < agreement(row, pool[b]) }
            } else if theirs.rows.count == 1 && pool.count >= 1 {
                matchIndex = 0  // a cut log without addresses and one row: compare directly
            } else {
                score.notes.append("not comparable: cut log without addresses and \(theirs.rows.count) rows")
                score.rows -= 1
                continue
            }
            guard let m = matchIndex else {
                score.missing += 1
                score.notes.append("missing: \(keyColumns.map { row[$0] ?? "?" }.joined(separator: " "))")
                continue
            }
            let mine = pool.remove(at: m)
            var all = true
            for c in columns where theirs.fields.contains(c) {
                var a = row[c] ?? "-", b = mine[c] ?? "-"
                if c == "service" { (a, b) = (project(a, services), project(b, services)) }
                score.compared[c, default: 0] += 1
                if a == b { score.agree[c, default: 0] += 1 } else {
                    all = false
                    score.notes.append("\(keyColumns.map { row[$0] ?? "?" }.joined(separator: " ")) \(c): zeek=\(a) ours=\(b)")
                }
            }
            if all { score.rowsAllAgree += 1 }
        }
        score.extra = canKey ? pool.count : 0
        if canKey {
            for r in pool { score.notes.append("extra: " + ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "history"].map { r[$0] ?? "?" }.joined(separator: " ")) }
        }
        return score
    }

    /// The services Zeek could have reported: everything we identify in default mode, and in
    /// bare mode (-b) only those whose protocol scripts the case loaded.
    static func loadedServices(_ caseText: String) -> Set<String> {
        guard caseText.contains("Bare mode (-b)") else { return identifiable }
        let loaded = caseText.split(separator: "\n").first { $0.contains("Scripts loaded:") } ?? ""
        var out: Set<String> = []
        for name in ["dns", "http", "ssl", "ssh", "quic"] where loaded.contains("base/protocols/\(name)") { out.insert(name) }
        if loaded.contains("base/protocols/quic") { out.insert("ssl") }
        if loaded.contains("tunnels") { out.formUnion(["ayiya", "teredo", "vxlan", "geneve", "gtpv1"]) }
        return out
    }

    static func project(_ service: String, _ allowed: Set<String>) -> String {
        let kept = service.split(separator: ",").map(String.init).filter { identifiable.contains($0) && allowed.contains($0) }
        return kept.isEmpty ? "-" : kept.sorted().joined(separator: ",")
    }

    static func agreement(_ a: [String: String], _ b: [String: String]) -> Int {
        columns.filter { (a[$0] ?? "-") == (b[$0] ?? "-") }.count
    }

    @Test("conn.log agreement with Zeek, per column, stays above the floors")
    func agreementAboveFloors() throws {
        var total = Score()
        var report: [String] = []
        var allNotes: [(String, [String])] = []
        for name in Self.cases() {
            let s = try Self.score(name)
            allNotes.append((name, s.notes))
            total.rows += s.rows; total.missing += s.missing; total.extra += s.extra; total.rowsAllAgree += s.rowsAllAgree
            for (k, v) in s.agree { total.agree[k, default: 0] += v }
            for (k, v) in s.compared { total.compared[k, default: 0] += v }
            if s.rowsAllAgree < s.rows || s.extra > 0 {
                report.append("\(name): \(s.rowsAllAgree)/\(s.rows) rows agree, \(s.missing) missing, \(s.extra) extra")
                report += s.notes.prefix(6).map { "    " + $0 }
            }
        }
        var lines = ["Zeek conn.log agreement over \(Self.cases().count) cases, \(total.rows) rows:"]
        let rowRate = Double(total.rowsAllAgree) / Double(max(total.rows, 1)) * 100
        lines.append(String(format: "  rows agreeing on every compared column: %.1f%% (%d/%d); missing %d, extra %d",
                            rowRate, total.rowsAllAgree, total.rows, total.missing, total.extra))
        var rates: [String: Double] = ["rows": rowRate]
        for c in Self.columns {
            let n = total.compared[c] ?? 0
            let rate = Double(total.agree[c] ?? 0) / Double(max(n, 1)) * 100
            rates[c] = rate
            lines.append(String(format: "  %-14@ %5.1f%% of %d", c as NSString, rate, n))
        }
        print((lines + report).joined(separator: "\n"))
        // Every remaining difference must be explained in zeek-conn-expectations.tsv, and every
        // explanation must still match a difference.
        let expectations = try String(contentsOf: Fixtures.root.appendingPathComponent("zeek-conn-expectations.tsv"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var used = Set<Int>()
        for (name, notes) in allNotes {
            for note in notes where !note.hasPrefix("not comparable") {
                if let i = expectations.firstIndex(where: { $0.count >= 3 && $0[0] == name && note.hasPrefix($0[1]) }) {
                    used.insert(i)
                } else {
                    Issue.record("\(name): unexplained difference from Zeek: \(note)")
                }
            }
        }
        for (i, e) in expectations.enumerated() where !used.contains(i) {
            Issue.record("zeek-conn-expectations.tsv: '\(e.prefix(2).joined(separator: " "))' no longer matches a difference; remove it")
        }
        let floorText = try String(contentsOf: Fixtures.root.appendingPathComponent("zeek-conn-floor.tsv"), encoding: .utf8)
        for line in floorText.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t")
            guard parts.count == 2, let floor = Double(parts[1]) else { continue }
            let name = String(parts[0])
            #expect((rates[name] ?? 0) >= floor, "\(name): \(rates[name] ?? 0)% agreement is below the floor \(floor)%")
        }
    }
}

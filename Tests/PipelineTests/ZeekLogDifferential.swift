import Flows
import Foundation
import Outputs
import Pipeline
import TestSupport
import Testing

/// Shared machinery of the differential tests against Zeek's baselines (Tests/Fixtures/zeek):
/// run a case's trace through the logs pipeline, match rows, compare columns, and hold every
/// difference to an expectations file.
enum ZeekLogDifferential {
    /// Cases whose directory holds `log` (plain or `.cut`), with the file found.
    static func cases(with log: String) -> [(name: String, log: String)] {
        let root = Fixtures.root.appendingPathComponent("zeek")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().compactMap { name in
            for file in [log, log + ".cut"] where FileManager.default.fileExists(atPath: root.appendingPathComponent(name + "/" + file).path) {
                return (name, file)
            }
            return nil
        }
    }

    /// Runs the case's trace (checksums verified when Zeek's run verified them); returns the logs
    /// and Zeek's baseline `log` parsed.
    static func run(_ name: String, log: String) throws -> (ZeekLogSet, ZeekConnDifferentialTests.Table) {
        let dir = Fixtures.root.appendingPathComponent("zeek/\(name)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let trace = try #require(files.first { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".trace") })
        let theirs = ZeekConnDifferentialTests.parse(try String(contentsOf: dir.appendingPathComponent(log), encoding: .utf8))
        let caseText = (try? String(contentsOf: dir.appendingPathComponent("case.txt"), encoding: .utf8)) ?? ""
        var settings = FlowSettings()
        settings.verifyChecksums = caseText.contains("No -C: checksums are verified")
        let logs = ZeekLogSet(format: .tsv)
        _ = try LogRun(settings: settings).run(files: [dir.appendingPathComponent(trace).path], filter: nil, logs: logs)
        return (logs, theirs)
    }

    /// Compares `columns` of each Zeek row with our row of the same tuple (a cut log without
    /// addresses and one row is compared with our only row). Returns cells compared and notes
    /// ("<tuple> <column>: zeek=... ours=...", "<tuple> missing", "extra: <tuple>").
    static func compare(theirs: ZeekConnDifferentialTests.Table, ours: [[String: String]], columns: [String])
        -> (compared: Int, notes: [String]) {
        let key = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"]
        let keyed = key.allSatisfy { theirs.fields.contains($0) }
        var pool = ours
        var notes: [String] = []
        var compared = 0
        for row in theirs.rows {
            let label = keyed ? key.map { row[$0] ?? "" }.joined(separator: " ") : "(cut log)"
            let index = keyed ? pool.firstIndex { r in key.allSatisfy { r[$0] == row[$0] } } : (theirs.rows.count == 1 && !pool.isEmpty ? 0 : nil)
            guard let index else {
                notes.append("\(label) missing")
                continue
            }
            let mine = pool.remove(at: index)
            for c in columns where theirs.fields.contains(c) {
                compared += 1
                let a = row[c] ?? "-", b = mine[c] ?? "-"
                if a != b { notes.append("\(label) \(c): zeek=\(a) ours=\(b)") }
            }
        }
        if keyed { for r in pool { notes.append("extra: " + key.map { r[$0] ?? "?" }.joined(separator: " ")) } }
        return (compared, notes)
    }

    /// Every note must match an expectation (case, note prefix, reason) and every expectation a
    /// note; records an issue otherwise.
    static func holdToExpectations(_ file: String, _ notes: [(name: String, note: String)]) throws {
        let expectations = try String(contentsOf: Fixtures.root.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var used = Set<Int>()
        for (name, note) in notes {
            if let i = expectations.firstIndex(where: { $0.count >= 3 && $0[0] == name && note.hasPrefix($0[1]) }) {
                used.insert(i)
            } else {
                Issue.record("\(name): unexplained difference from Zeek: \(note)")
            }
        }
        for (i, e) in expectations.enumerated() where !used.contains(i) {
            Issue.record("\(file): '\(e.prefix(2).joined(separator: " "))' no longer matches a difference; remove it")
        }
    }
}

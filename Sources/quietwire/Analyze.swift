import ArgumentParser
import Attribution
import Config
import Coverage
import Store
import Detection
import Flows
import Foundation
import Outputs
import Pipeline
import SensorCore

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find background agents that fell back to an unusual channel after their usual one went quiet or failed.",
        discussion: """
            One pass over the captures: flows and Zeek-style logs as `quietwire logs` writes \
            them, each flow attributed to its endpoint process and launch agent from --feed and \
            --inventory, then the quiet-then-fallback analytic (MITRE ATT&CK AN1378, T1008): \
            each background agent's primary channel and its rhythm are learned from the first \
            part of the data (--warmup) or taken from a stored --baseline, and a channel new for the agent \
            that starts around the primary going quiet or failing is scored from named reasons \
            (README "alerts.ndjson"). Writes alerts.ndjson, coverage.json (as `quietwire coverage`) and evidence/<alert id>.pcap next to the logs in --out and prints \
            the alerts with their reasons.

            Example:
              quietwire learn week1.pcap --feed week1.ndjson --inventory plists/ --baseline qw.db
              quietwire analyze week2.pcap --feed week2.ndjson --inventory plists/ --baseline qw.db --out /tmp/qw
            """)

    @OptionGroup var common: DetectionOptions

    @Option(name: .long, help: "Directory for alerts.ndjson and the logs (created if missing).")
    var out: String

    @Option(help: ArgumentHelp("SQLite baseline written by `quietwire learn`: everything in the captures is judged against it. Without it (or while it is empty) the first --warmup part of the captures trains.", valueName: "file"))
    var baseline: String?

    @Option(help: ArgumentHelp("Part of the capture's time span (0-1) that only trains the baselines when there is no stored baseline (default 0.5).", valueName: "fraction"))
    var warmup: Double?

    @Option(name: .customLong("approved-resolver"), help: ArgumentHelp("A resolver the organisation runs or approves (server name or address; repeatable): DoH or DoT to it is no evidence.", valueName: "name"))
    var approvedResolvers: [String] = []

    func validate() throws {
        if let warmup, !(warmup > 0 && warmup < 1) { throw ValidationError("--warmup must be between 0 and 1 (exclusive): the part of the time span that trains") }
    }

    func run() throws {
        let configuration = try common.configuration()
        var detection = configuration.detection
        if let warmup { detection.warmupFraction = warmup }
        detection.approvedResolvers.formUnion(approvedResolvers.map { $0.lowercased() })
        detection.proxies.formUnion(common.proxyAddresses)
        var stored: Baseline?
        if let baseline {
            do {
                let store = try BaselineStore(path: baseline)
                if try !store.isEmpty() { stored = try store.load() }
            } catch {
                StandardError.write("quietwire: \(error)")
                throw ExitCode(1)
            }
        }
        let coverage = CoverageCollector(proxies: detection.proxies, approvedResolvers: detection.approvedResolvers, domains: try DetectionOptions.domains())
        let (detector, result, attributor) = try common.run(configuration, detection: detection, logDirectory: out, coverage: coverage)
        let figures = try CoverageCommand.write(coverage, result: result, attributor: attributor, inputs: common.files, to: out)
        let alerts = stored.map { detector.finish(baseline: $0) } ?? detector.finish()
        let text = alerts.map { AlertWriter.line($0) + "\n" }.joined()
        do {
            try text.write(toFile: out + "/alerts.ndjson", atomically: true, encoding: .utf8)
        } catch {
            StandardError.write("quietwire: cannot write \(out)/alerts.ndjson: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let s = detector.summary
        let how = stored.map { b in
            "judged against the baseline in \(baseline ?? "") (learned from \(b.trainedFrom.map { Self.date(Timestamp(nanoseconds: $0)) } ?? "?") to \(b.trainedUntil.map { Self.date(Timestamp(nanoseconds: $0)) } ?? "?"))"
        } ?? "no stored baseline, so the first \(Int(detection.warmupFraction * 100))% of the capture's time span (until \(Self.date(s.warmupEnd))) trained the baselines and the rest was judged"
        StandardError.write("""
            detection: \(how); \(s.agents) background agents, \(s.withPrimary) with a primary channel, \
            \(s.insufficientBaseline) with too little history; \(s.candidates) new channels; the widest agent runs on \(s.largestFleet) hosts \
            (fleet prevalence counts from \(detection.fleetMinimumHosts)); \
            \(s.pathChanges) quiet spells put down to a host-wide path change; \(alerts.count) alerts in \(out)/alerts.ndjson
            """)
        print(AlertTable.text(alerts))
        writeEvidence(alerts)
        try CoverageCommand.writeReport(alerts: alerts, coverage: figures, inputs: common.files, to: out)
        if result.decode.hadInputProblems { throw ExitCode(3) }
    }

    /// evidence/<alert id>.pcap for every alert: the packets of the flows it cites, read in a
    /// second pass over the captures (standard input cannot be read twice).
    func writeEvidence(_ alerts: [Alert]) {
        guard !alerts.isEmpty else { return }
        guard !common.files.contains("-") else {
            StandardError.write("evidence: not written (the capture came from standard input, which cannot be read a second time)")
            return
        }
        let directory = out + "/evidence"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let written = try EvidenceWriter.write(alerts.map { EvidenceWriter.Request(id: $0.id, flows: $0.primaryFlows + $0.flows) },
                                                   files: common.files, directory: directory)
            let skipped = written.reduce(0) { $0 + $1.skipped }
            StandardError.write("evidence: \(written.count) pcaps, \(written.reduce(0) { $0 + $1.packets }) packets in \(directory)"
                                + (skipped > 0 ? " (\(skipped) packets of another link type left out)" : ""))
        } catch {
            StandardError.write("quietwire: evidence pcaps not written: \(error)")
        }
    }

    static func date(_ t: Timestamp) -> String {
        let d = Date(timeIntervalSince1970: t.secondsDouble)
        return d.formatted(.iso8601)
    }
}

/// The alerts as a readable table: one block per alert with its reasons. Names from the wire
/// and feeds are made terminal-safe.
enum AlertTable {
    static func text(_ alerts: [Alert]) -> String {
        guard !alerts.isEmpty else { return "no alerts" }
        let severity = [1: "LOW", 2: "MEDIUM", 3: "HIGH"]
        return alerts.map { a in
            var lines = ["\(severity[a.severity] ?? "?") score \(a.score) at \(Analyze.date(a.start)): \(a.message)"]
            if let p = a.attribution.process {
                lines.append("  process \(p.pid) \(p.executable ?? "?"), attribution \(a.attribution.method.rawValue) (\(a.attribution.source ?? "?"), confidence \(a.attribution.confidence))")
            }
            for r in a.reasons { lines.append("  \(r.weight >= 0 ? "+" : "")\(r.weight) \(r.code): \(r.detail)") }
            lines.append("  techniques: \(a.techniques.joined(separator: ", ")); flows: \(a.flows.count) listed, first \(a.flows.first?.communityID.description ?? "-")")
            return lines.map(TerminalText.safe).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

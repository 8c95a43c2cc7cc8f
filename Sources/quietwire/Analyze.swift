import ArgumentParser
import Attribution
import Configuration
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
            part of the data (--warmup, no stored baseline yet), and a channel new for the agent \
            that starts around the primary going quiet or failing is scored from named reasons \
            (README "alerts.ndjson"). Writes alerts.ndjson next to the logs in --out and prints \
            the alerts with their reasons.

            Example:
              quietwire analyze pcaps/demo/capture.pcap --feed pcaps/demo/sockets.ndjson \\
                --inventory pcaps/demo/inventory --out /tmp/qw
            """)

    @Argument(help: "Capture files to read in order (pcap or pcapng; - for standard input).")
    var files: [String]

    @Option(name: .long, help: "Directory for alerts.ndjson and the logs (created if missing).")
    var out: String

    @Option(help: "Comma-separated CIDR blocks counted as local (egress). Default: RFC 1918, 100.64/10, 169.254/16, fc00::/7, fe80::/10.")
    var localNetworks: String?

    @Option(help: ArgumentHelp("quietwire.yaml with local networks, timeouts, attribution and detection parameters, approved resolvers and the vendor allowlist (docs/configuration.md). Options given here override it.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Part of the capture's time span (0-1) that only trains the baselines (default 0.5).", valueName: "fraction"))
    var warmup: Double?

    @Option(name: .customLong("approved-resolver"), help: ArgumentHelp("A resolver the organisation runs or approves (server name or address; repeatable): DoH or DoT to it is no evidence.", valueName: "name"))
    var approvedResolvers: [String] = []

    @OptionGroup(title: "Attribution")
    var attribution: AttributionOptions

    func validate() throws {
        if let warmup, !(warmup > 0 && warmup < 1) { throw ValidationError("--warmup must be between 0 and 1 (exclusive): the part of the time span that trains") }
        if let localNetworks, NetworkSet(localNetworks.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) == nil {
            throw ValidationError("--local-networks: '\(localNetworks)' is not a comma-separated list of CIDR blocks like 10.0.0.0/8,fd00::/8")
        }
        if files.contains("-") && attribution.feeds.contains("-") {
            throw ValidationError("standard input (-) can be a capture or a feed, not both: write the feed to a file")
        }
    }

    func run() throws {
        var configuration = QuietWireConfig()
        if let config {
            do {
                configuration = try QuietWireConfig.load(path: config)
            } catch {
                StandardError.write("quietwire: \(error)")
                throw ExitCode(1)
            }
        }
        var settings = configuration.flows
        if let localNetworks {
            settings.localNetworks = NetworkSet(localNetworks.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })!
        }
        guard let domains = PublicSuffixList.shipped else {
            StandardError.write("quietwire: the Public Suffix List resource is missing next to the binary (QuietWire_Detection.resources); reinstall or run from the build directory")
            throw ExitCode(1)
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            StandardError.write("quietwire: cannot create \(out): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let attributor = try attribution.makeAttributor(base: configuration.correlator)
        var detection = configuration.detection
        if let warmup { detection.warmupFraction = warmup }
        detection.approvedResolvers.formUnion(approvedResolvers.map { $0.lowercased() })
        let detector = FallbackDetector(settings: detection, domains: domains)
        let result: LogRun.Result
        do {
            let logs = try ZeekLogSet(directory: out, format: .tsv, attributor: attributor?.0)
            logs.observer = { detector.observe($0, $1) }
            logs.dnsObserver = { detector.observe(dns: $0) }
            result = try LogRun(settings: settings).run(files: files, filter: nil, logs: logs)
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
        let alerts = detector.finish()
        let text = alerts.map { AlertWriter.line($0) + "\n" }.joined()
        do {
            try text.write(toFile: out + "/alerts.ndjson", atomically: true, encoding: .utf8)
        } catch {
            StandardError.write("quietwire: cannot write \(out)/alerts.ndjson: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let s = detector.summary
        StandardError.write(SummaryFormatter().text(result.decode) + "flows: \(result.flowsCreated) created")
        if let (a, _) = attributor { StandardError.write(a.summary.text(skews: a.correlator.skews)) }
        StandardError.write("""
            detection: no stored baseline, so the first \(Int(detection.warmupFraction * 100))% of the capture's time span (until \(Self.date(s.warmupEnd))) \
            trained the baselines and the rest was judged; \(s.agents) background agents, \(s.withPrimary) with a primary channel, \
            \(s.insufficientBaseline) with too little history; \(s.candidates) new channels after the warm-up; \(alerts.count) alerts in \(out)/alerts.ndjson
            """)
        print(AlertTable.text(alerts))
        if result.decode.hadInputProblems { throw ExitCode(3) }
    }

    static func date(_ t: Timestamp) -> String {
        let d = Date(timeIntervalSince1970: t.secondsDouble)
        return d.formatted(.iso8601)
    }
}

/// The alerts as a readable table: one block per alert with its reasons.
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
            lines.append("  techniques: \(a.techniques.joined(separator: ", ")); flows: \(a.flows.count) listed, first \(a.flows.first?.communityID ?? "-")")
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

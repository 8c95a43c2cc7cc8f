import ArgumentParser
import Attribution
import Coverage
import Detection
import Foundation
import Outputs
import Pipeline

struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Show where egress monitoring is blind: proxy bypass, unseen name resolution, telemetry gaps, sensor losses.",
        discussion: """
            One pass over the captures (flows attributed from --feed and --inventory as in \
            `analyze`) answers, for the whole capture and per host, with flows, bytes and the \
            largest destinations and owners of each: egress that did not go through a --proxy, \
            by class (TCP to web ports, QUIC/UDP 443, other TCP, other UDP, ICMP, other IP); DoH, \
            DoT and DoQ to public resolvers, plain DNS to servers that are not --approved-resolver, \
            and connections no visible lookup explains; egress no feed attributed, addresses \
            with traffic but no feed, feed hosts without traffic, inventory jobs never seen and \
            agents the inventory lacks, clock skew per host; capture drops, decode weirds, flows \
            evicted and truncated inputs. Writes coverage.json (docs/coverage.md), report.html and the logs \
            into --out.

            Exit status: 0, or 4 when a --fail-over check exceeds its limit, 3 when an input was \
            truncated or unreadable, 1 on errors.

            Example (CI-style gate: no more than 1% of egress bytes unattributed):
              quietwire coverage day.pcap --feed day.ndjson --inventory plists/ --proxy 10.0.0.8:3128 \\
                --out /tmp/cov --fail-over unattributed_bytes_share=0.01
            """)

    @OptionGroup var common: DetectionOptions

    @Option(name: .long, help: "Directory for coverage.json and the logs (created if missing).")
    var out: String

    @Option(name: .customLong("approved-resolver"), help: ArgumentHelp("A resolver the organisation runs or approves (server name or address; repeatable).", valueName: "name"))
    var approvedResolvers: [String] = []

    @Option(name: .customLong("fail-over"), help: ArgumentHelp("Exit 4 when a check exceeds a limit (repeatable). Checks: \(CoverageReport.checkNames.joined(separator: ", ")).", valueName: "check=limit"))
    var failOver: [String] = []

    /// The `--fail-over` limits (checked by `validate`).
    var limits: [(String, Double)] {
        failOver.compactMap { text in
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, CoverageReport.checkNames.contains(parts[0]), let v = Double(parts[1]), v.isFinite else { return nil }
            return (parts[0], v)
        }
    }

    func validate() throws {
        for text in failOver where !limits.contains(where: { text.hasPrefix($0.0 + "=") }) {
            throw ValidationError("--fail-over \(text): expected check=limit with a check among \(CoverageReport.checkNames.joined(separator: ", "))")
        }
    }

    /// The report of a run, written to `directory`/coverage.json (also by `analyze`).
    static func write(_ collector: CoverageCollector, result: LogRun.Result, attributor: (FlowAttributor, problems: Int)?, inputs: [String],
                      to directory: String) throws -> CoverageReport {
        let capture = result.decode.capture
        let report = collector.report(correlator: attributor?.0.correlator, feedProblems: attributor?.problems ?? 0,
                                      captureReceived: capture?.received, captureDropped: capture?.droppedByKernel,
                                      interfaceDropped: capture?.droppedByInterface,
                                      weirds: result.decode.weirds.nonZero.map { ($0.0.name, $0.1) }, flowsEvicted: result.flowsEvicted,
                                      truncatedInputs: result.decode.inputs.filter { $0.truncated != nil || $0.failed != nil }.map(\.name))
        do {
            try CoverageJSON.render(report, inputs: inputs).write(toFile: directory + "/coverage.json", atomically: true, encoding: .utf8)
        } catch {
            StandardError.write("quietwire: cannot write \(directory)/coverage.json: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        return report
    }

    /// report.html into `directory`.
    static func writeReport(alerts: [Alert], coverage: CoverageReport, inputs: [String], to directory: String) throws {
        do {
            try ReportHTML.render(alerts: alerts, coverage: coverage, inputs: inputs).write(toFile: directory + "/report.html", atomically: true, encoding: .utf8)
        } catch {
            StandardError.write("quietwire: cannot write \(directory)/report.html: \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }

    func run() throws {
        let configuration = try common.configuration()
        var detection = configuration.detection
        detection.approvedResolvers.formUnion(approvedResolvers.map { $0.lowercased() })
        detection.proxies.formUnion(common.proxyAddresses)
        let collector = CoverageCollector(proxies: detection.proxies, approvedResolvers: detection.approvedResolvers, domains: try DetectionOptions.domains())
        let (result, attributor) = try common.run(configuration, logDirectory: out) { logs in
            logs.observer = { collector.observe($0, $1) }
        }
        let report = try Self.write(collector, result: result, attributor: attributor, inputs: common.files, to: out)
        try Self.writeReport(alerts: [], coverage: report, inputs: common.files, to: out)
        print(CoverageSummaryText.text(report))
        var failed = false
        let values = Dictionary(report.checks.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        // quietwire.yaml's coverage.fail_over, with --fail-over taking precedence.
        var all = configuration.coverageLimits
        for (name, limit) in limits { all[name] = limit }
        for (name, limit) in all.sorted(by: { $0.key < $1.key }) {
            let value = values[name] ?? 0
            let over = value > limit
            failed = failed || over
            print("check \(name): \(value) (limit \(limit)) \(over ? "FAILED" : "ok")")
        }
        if failed { throw ExitCode(4) }
        if result.decode.hadInputProblems { throw ExitCode(3) }
    }
}

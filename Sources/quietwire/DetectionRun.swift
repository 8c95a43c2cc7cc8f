import ArgumentParser
import Attribution
import Config
import Coverage
import Detection
import Flows
import Foundation
import Outputs
import Pipeline
import SensorCore

/// What `analyze` and `learn` share: the configuration, local networks, attribution, and one
/// pass of the captures through the pipeline into a detector.
struct DetectionOptions: ParsableArguments {
    @Argument(help: "Capture files to read in order (pcap or pcapng; - for standard input).")
    var files: [String]

    @Option(help: ArgumentHelp("quietwire.yaml with local networks, timeouts, attribution and detection parameters, approved resolvers and the vendor allowlist (docs/configuration.md). Options given here override it.", valueName: "file"))
    var config: String?

    @Option(help: "Comma-separated CIDR blocks counted as local (egress). Default: RFC 1918, 100.64/10, 169.254/16, fc00::/7, fe80::/10.")
    var localNetworks: String?

    @Option(name: .customLong("proxy"), help: ArgumentHelp("The organisation's web proxy as address:port (repeatable): an agent that used it and then goes direct bypassed it (PROXY_BYPASS).", valueName: "address:port"))
    var proxies: [String] = []

    @OptionGroup(title: "Attribution")
    var attribution: AttributionOptions

    /// The `--proxy` values (checked by `validate`).
    var proxyAddresses: [ProxyAddress] { proxies.compactMap(ProxyAddress.init) }

    func validate() throws {
        for p in proxies where ProxyAddress(p) == nil { throw ValidationError("--proxy \(p): expected address:port like 10.0.0.8:3128 or [fd00::8]:8080") }
        try LocalNetworks.validate(localNetworks)
        if files.contains("-") && attribution.feeds.contains("-") {
            throw ValidationError("standard input (-) can be a capture or a feed, not both: write the feed to a file")
        }
    }

    /// The configuration file's settings, or the defaults.
    func configuration() throws -> QuietWireConfig {
        guard let config else { return QuietWireConfig() }
        do {
            return try QuietWireConfig.load(path: config)
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
    }

    /// The Public Suffix List shipped with the binary.
    static func domains() throws -> PublicSuffixList {
        guard let domains = PublicSuffixList.shipped else {
            StandardError.write("quietwire: the Public Suffix List resource is missing next to the binary (QuietWire_Detection.resources); reinstall or run from the build directory")
            throw ExitCode(1)
        }
        return domains
    }

    /// Reads the captures into a detector (and `coverage`, when given), writing the logs into `logDirectory`.
    func run(_ configuration: QuietWireConfig, detection: DetectionSettings, logDirectory: String, coverage: CoverageCollector? = nil)
        throws -> (FallbackDetector, LogRun.Result, (FlowAttributor, problems: Int)?) {
        let detector = FallbackDetector(settings: detection, domains: try Self.domains())
        let (result, attributor) = try run(configuration, logDirectory: logDirectory) { logs in
            logs.observer = { r, a in
                detector.observe(r, a)
                coverage?.observe(r, a)
            }
            logs.dnsObserver = { detector.observe(dns: $0) }
            logs.echoObserver = { detector.observe(echo: $0) }
            logs.sslObserver = { detector.observe(ssl: $0) }
            logs.httpObserver = { detector.observe(http: $0) }
            logs.unreachableObserver = { detector.observe(unreachable: $0) }
        }
        return (detector, result, attributor)
    }

    /// Reads the captures through the pipeline, writing the logs into `logDirectory`; `wire`
    /// attaches the observers that take the flows and transactions.
    func run(_ configuration: QuietWireConfig, logDirectory: String, wire: (ZeekLogSet) -> Void)
        throws -> (LogRun.Result, (FlowAttributor, problems: Int)?) {
        var settings = configuration.flows
        if let localNetworks {
            settings.localNetworks = LocalNetworks.parse(localNetworks)!
        }
        do {
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        } catch {
            StandardError.write("quietwire: cannot create \(logDirectory): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let attributor = try attribution.makeAttributor(base: configuration.correlator)
        do {
            let logs = try ZeekLogSet(directory: logDirectory, format: .tsv, attributor: attributor?.0)
            wire(logs)
            // Progress on a terminal for large inputs, one line rewritten in place.
            let interactive = isatty(2) == 1
            let show: @Sendable (UInt64, Int, Timestamp) -> Void = { packets, flows, time in
                let when = Date(timeIntervalSince1970: time.secondsDouble).formatted(.iso8601)
                FileHandle.standardError.write(Data("\rread \(packets >> 20) Mi packets, \(flows) flows open, packet time \(when)   ".utf8))
            }
            let run = LogRun(settings: settings, progress: interactive ? show : nil)
            let result = try run.run(files: files, filter: nil, logs: logs)
            if interactive && result.decode.inputs.reduce(0, { $0 + $1.packets }) >= 1 << 20 { FileHandle.standardError.write(Data("\n".utf8)) }
            StandardError.write(SummaryFormatter().text(result.decode) + "flows: \(result.flowsCreated) created")
            if let (a, _) = attributor { StandardError.write(a.summary.text(skews: a.correlator.skews)) }
            return (result, attributor)
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
    }
}

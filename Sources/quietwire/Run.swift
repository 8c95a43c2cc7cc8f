import ArgumentParser
import Attribution
import Capture
import Config
import Coverage
import Detection
import FeedServer
import Foundation
import Logging
import Outputs
import SensorCore
import Sensor
import Store
import Synchronization

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the live sensor on an interface: logs, attribution from posted feeds, and alerts as they happen.",
        discussion: """
            The pipeline of `analyze` on live packets, with packet time as the clock. Finished \
            flows wait sensor.attribution_lag seconds for their owners' feed records, then go to \
            the Zeek-style logs in --out (rotated by time and size, archived as \
            <log>.<opened>.log) and to the analytic, which learns continuously (trailing the \
            clock by sensor.learn_delay) and judges every sensor.judge_interval. Alerts are \
            appended to --out/alerts.ndjson as soon as their evidence is complete.

            Durable state lives in --out/state: the baseline (SQLite, checkpointed every \
            sensor.checkpoint_interval and at stop) and the feed journal (every acknowledged \
            feed record, replayed after a restart). A restart resumes from both and does not \
            repeat alerts already in alerts.ndjson.

            With sensor.listen in the configuration (or --listen), endpoints post feeds to \
            POST /v1/feed with a bearer token (`quietwire token` makes one), osqueryd enrolls \
            at /enroll and logs to /log, Prometheus scrapes /metrics, and /healthz answers ok. \
            Settings: docs/configuration.md ("sensor"). SIGINT or SIGTERM stops cleanly.

            Example:
              quietwire run --interface eth1 --config /etc/quietwire.yaml --out /var/lib/quietwire --user quietwire
            """)

    @Option(name: [.short, .customLong("interface")], help: "Interface to capture from (see `quietwire interfaces`).")
    var interface: String

    @Option(name: [.short, .long], help: "BPF filter expression (pcap-filter(7) syntax).")
    var filter: String?

    @Option(help: ArgumentHelp("quietwire.yaml (docs/configuration.md): local networks, flows, detection and the sensor section.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Directory for the logs, alerts.ndjson and state/ (created if missing).")
    var out: String

    @Option(help: ArgumentHelp("SQLite baseline to resume from and checkpoint to (default: OUT/state/baseline.db; one written by `quietwire learn` works too).", valueName: "file"))
    var baseline: String?

    @Option(help: ArgumentHelp("Serve the feed API on address:port, overriding sensor.listen.", valueName: "address:port"))
    var listen: String?

    @Option(help: ArgumentHelp("After opening the capture, the service and the files, run as this user (like tcpdump -Z); OUT is handed to it.", valueName: "name"))
    var user: String?

    @Flag(help: "Also write every alert line to standard output (for a log shipper).")
    var alertsToStdout = false

    @Option(help: "Bytes kept of each packet.")
    var snaplen: Int32 = 262_144

    @Flag(inversion: .prefixedNo, help: "Put the interface in promiscuous mode.")
    var promiscuous = true

    @Option(name: .customLong("buffer-mib"), help: "Kernel capture buffer in MiB (with libpcap's 2 MiB default, 2.5% of packets dropped at 400,000 packets/s; docs/sensor.md).")
    var bufferMiB: Int32 = 64

    @OptionGroup(title: "Attribution at start (feeds posted to the service add to it)")
    var attribution: AttributionOptions

    func validate() throws {
        if let listen, QuietWireConfig.listenAddress(listen) == nil { throw ValidationError("--listen must be address:port like 0.0.0.0:8443 or [::]:8443") }
        if bufferMiB < 1 || bufferMiB > 4096 { throw ValidationError("--buffer-mib must be 1...4096") }
        if attribution.feeds.contains("-") { throw ValidationError("the live sensor reads feeds from files or the service, not standard input") }
    }

    func fail(_ message: String) -> ExitCode {
        StandardError.write("quietwire: \(message)")
        return ExitCode(1)
    }

    func run() throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var configuration = QuietWireConfig()
        if let config {
            do { configuration = try QuietWireConfig.load(path: config) } catch { throw fail("\(error)") }
        }
        var settings = configuration.sensor
        if let listen {
            settings.listen = listen
            if settings.tlsCertificate == nil && !settings.allowPlainHTTP {
                throw fail("--listen needs sensor.tls_certificate and sensor.tls_key in the configuration (or sensor.allow_plain_http: true)")
            }
        }
        if settings.listen != nil && settings.tokens.isEmpty && settings.osqueryEnrollSecret == nil {
            StandardError.write("quietwire: warning: the feed service has no tokens (sensor.tokens), so every POST /v1/feed gets 401; `quietwire token` makes one")
        }
        let state = out + "/state"
        do {
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        } catch {
            throw fail("cannot create \(state): \(error.localizedDescription)")
        }
        // Durable state first: the baseline, the alerts already written, the feed journal.
        let storePath = baseline ?? state + "/baseline.db"
        let store: BaselineStore
        var resumed = Baseline()
        do {
            store = try BaselineStore(path: storePath)
            if try !store.isEmpty() { resumed = try store.load() }
        } catch { throw fail("\(error)") }
        let alerts: AlertLog
        do { alerts = try AlertLog(path: out + "/alerts.ndjson") } catch { throw fail("\(error)") }
        if alerts.repairedBytes > 0 { StandardError.write("quietwire: cut \(alerts.repairedBytes) bytes of a half-written line from the end of \(alerts.path)") }
        let journal: FeedJournal
        do { journal = try FeedJournal(directory: state, retention: settings.feedRetention) } catch { throw fail("\(error)") }
        let correlator = try attribution.makeAttributor(base: configuration.correlator)?.0.correlator ?? Correlator(settings: configuration.correlator)
        var replayed = 0
        for (name, text) in journal.replay() {
            let load = FeedReader.read(text: text, name: name)
            correlator.ingest(load.records)
            replayed += load.records.count
        }
        StandardError.write("""
            sensor: baseline \(storePath): \(resumed.agents.count) agents\(resumed.trainedUntil.map { ", learned until \(Analyze.date(Timestamp(nanoseconds: $0)))" } ?? " (empty: learning from now)"); \
            \(alerts.ids.count) alerts already in \(alerts.path); \(replayed) feed records replayed from the journal
            """)
        // The capture.
        var live = LiveOptions(interface: interface)
        live.snapLength = snaplen
        live.promiscuous = promiscuous
        // Batched delivery: on Linux, immediate mode makes libpcap use TPACKET_V2, whose ring
        // has one slot per packet sized for the largest (64 KiB with receive offload), so a
        // 64 MiB buffer holds about a thousand packets. TPACKET_V3 packs them into blocks
        // (tens of thousands in the same buffer); a block waits at most the read timeout.
        live.immediate = false
        live.bufferSize = bufferMiB * 1_048_576
        let source: PacketSource
        do {
            source = try PacketSource.openLive(live)
            if let filter { try source.setFilter(filter) }
        } catch { throw fail("\(error)") }
        var flows = configuration.flows
        flows.verifyChecksums = false  // offloading NICs hand the host's own packets up unchecksummed
        let inbox = FeedInbox()
        let service = settings.listen == nil ? nil : FeedService(settings: settings, inbox: inbox, journal: journal)
        let detection = LiveDetection(settings: configuration.detection, domains: try DetectionOptions.domains(), baseline: resumed,
                                      learnDelay: settings.learnDelay, judgeInterval: settings.judgeInterval, reported: alerts.ids)
        var options = LiveSensor.Options(out: out, settings: settings, flows: flows)
        options.alertsToStandardOutput = alertsToStdout
        let sensor: LiveSensor
        do {
            sensor = try LiveSensor(source: source, options: options, correlator: correlator, detection: detection, store: store, journal: journal,
                                    inbox: inbox, alerts: alerts, metrics: service?.metrics,
                                    coverage: CoverageCollector(proxies: configuration.detection.proxies, approvedResolvers: configuration.detection.approvedResolvers,
                                                                domains: try DetectionOptions.domains()),
                                    note: { StandardError.write($0) })
        } catch { throw fail("\(error)") }
        // The service, on its own threads; the capture loop runs on this one.
        let serverFailure = Mutex<String?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let served = DispatchSemaphore(value: 0)
        let stopper = sensor.stopper
        if let service {
            let settings = settings
            Task.detached {
                defer { served.signal() }
                do {
                    try await service.run { port in
                        StandardError.write("sensor: feed service on \(settings.listen ?? "?") (port \(port)), \(settings.tlsCertificate == nil ? "plain HTTP" : "TLS")")
                        ready.signal()
                    }
                } catch is CancellationError {
                } catch {
                    serverFailure.withLock { $0 = "\(error)" }
                    ready.signal()
                    stopper.stop()
                }
            }
            if ready.wait(timeout: .now() + 30) == .timedOut { throw fail("the feed service did not start within 30 s") }
            if let f = serverFailure.withLock({ $0 }) { throw fail("the feed service could not start on \(settings.listen ?? ""): \(f)") }
        }
        if let user {
            do { try Privileges.drop(to: user, handing: [out, storePath]) } catch { throw fail("\(error)") }
        }
        let signals = SignalStopper { stopper.stop() }
        defer { signals.cancel() }
        StandardError.write("sensor: capturing on \(interface)\(filter.map { " with filter '\($0)'" } ?? ""); logs and alerts in \(out)")
        let summary = sensor.run()
        if let service {
            service.shutdown()
            _ = served.wait(timeout: .now() + 10)
        }
        StandardError.write("""
            sensor stopped: \(summary.packets) packets, \(summary.flows) flows, \(summary.feedRecords) feed records, \(summary.alerts) alerts, \
            \(summary.checkpoints) checkpoints, \(summary.rotations) log rotations\
            \(summary.capture.map { "; libpcap: \($0.received) received, \($0.droppedByKernel) dropped by the kernel, \($0.droppedByInterface) by the interface" } ?? "")
            """)
        if let f = serverFailure.withLock({ $0 }) { throw fail("the feed service failed: \(f)") }
        if let failure = summary.failure { throw fail("capture on \(interface) ended: \(failure)") }
    }
}

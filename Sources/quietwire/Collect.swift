import ArgumentParser
import Attribution
import Collector
import Foundation
import Outputs
import SensorCore
import Synchronization

struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Linux endpoint collector: report which process and systemd unit owns each TCP and UDP socket, as a QuietWire feed.",
        discussion: """
            Polls /proc every --interval seconds, maps every TCP and UDP socket to its process \
            (pid, parent, executable, command line, uid) and the systemd unit it runs in (the \
            Linux counterpart of a launch agent), and writes QuietWire feed records \
            (docs/feed-schema.md), one JSON object per line: a host record and the installed \
            unit files (as agents) first, then a socket `snapshot` when a socket is first seen \
            and a `close` when it is gone; every 60 s all open sockets are reported again. \
            Sockets of other users' processes need root (or CAP_SYS_PTRACE) to be mapped.

            Feed the output to `quietwire logs --feed FILE`, or stream it to a live sensor with \
            --to (`quietwire run`): records wait in a spool file until the sensor acknowledged \
            them, so while it is unreachable they are delivered late rather than lost (the \
            spool keeps the newest --spool-mib). Stops on SIGINT or SIGTERM, or after --count polls.

            Examples:
              sudo quietwire collect --interval 0.5 --out sockets.ndjson
              sudo QUIETWIRE_TOKEN=qwt_... quietwire collect --to https://sensor:8443/v1/feed --ca-file ca.pem
            """)

    @Option(help: "Seconds between polls of /proc.")
    var interval: Double = 1

    @Option(help: "Stop after this many polls (0: run until SIGINT or SIGTERM).")
    var count: Int = 0

    @Option(help: "Append the records to this file instead of standard output.")
    var out: String?

    @Option(help: "Host id written in every record. Default: /etc/machine-id, else the host name.")
    var hostID: String?

    @Flag(help: "Do not report the installed systemd unit files as agents.")
    var noInventory = false

    @Option(help: ArgumentHelp("Post the records to a live sensor's feed URL (https://host:port/v1/feed) instead of writing them.", valueName: "url"))
    var to: String?

    @Option(help: ArgumentHelp("Bearer token for --to (`quietwire token`); default: the QUIETWIRE_TOKEN environment variable, which other users cannot read in ps.", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("PEM certificates to trust for the sensor's TLS (a private CA).", valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("Spool file for records not yet acknowledged.", valueName: "file"))
    var spool: String = "/var/tmp/quietwire-collect.spool"

    @Option(help: "Largest spool, MiB; past it the oldest records are dropped (and counted).")
    var spoolMib: Int = 64

    func validate() throws {
        guard interval >= 0.01, interval <= 3600 else { throw ValidationError("--interval must be between 0.01 and 3600 seconds") }
        guard count >= 0 else { throw ValidationError("--count must be 0 or more") }
        guard spoolMib >= 1, spoolMib <= 65_536 else { throw ValidationError("--spool-mib must be 1...65536") }
        if to != nil, out != nil { throw ValidationError("--to and --out exclude each other") }
        if to != nil, (token ?? ProcessInfo.processInfo.environment["QUIETWIRE_TOKEN"]) == nil {
            throw ValidationError("--to needs a token: --token or the QUIETWIRE_TOKEN environment variable (`quietwire token` on the sensor makes one)")
        }
    }

    func run() throws {
        #if os(Linux)
        var uploader: FeedUploader?
        if let to {
            do {
                uploader = try FeedUploader(url: to, token: token ?? ProcessInfo.processInfo.environment["QUIETWIRE_TOKEN"] ?? "", spoolPath: spool,
                                            spoolLimit: spoolMib << 20, caFile: caFile)
            } catch {
                StandardError.write("quietwire: \(error)")
                throw ExitCode(1)
            }
        }
        let handle: FileHandle
        if let out {
            if !FileManager.default.fileExists(atPath: out) { _ = FileManager.default.createFile(atPath: out, contents: nil) }
            guard let h = FileHandle(forWritingAtPath: out) else {
                StandardError.write("quietwire: cannot write \(out): check the directory exists and is writable")
                throw ExitCode(1)
            }
            h.seekToEndOfFile()
            handle = h
        } else {
            handle = FileHandle.standardOutput
        }
        let host = hostID ?? SocketCollector.defaultHostID()
        let collector = SocketCollector(hostID: host)
        let stopped = StopFlag()
        let signals = SignalStopper { stopped.set() }
        defer { signals.cancel() }
        let sent = DispatchSemaphore(value: 0)
        if let uploader {
            Thread.detachNewThread {
                uploader.send(until: { stopped.isSet })
                sent.signal()
            }
        }
        func emit(_ records: [FeedRecord]) {
            guard !records.isEmpty else { return }
            if let uploader { return uploader.enqueue(records.map(NativeFeedEncoder.line)) }
            handle.write(Data(records.map { NativeFeedEncoder.line($0) + "\n" }.joined().utf8))
        }
        func now() -> Timestamp {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
        }
        emit([collector.hostRecord(now: now(), addresses: SocketCollector.interfaceAddresses())])
        if !noInventory { emit(SystemdUnits.inventory(hostID: host).map { .agent($0) }) }
        var polls = 0
        var sockets = 0
        while !stopped.isSet {
            let records = collector.poll(now: now())
            sockets += records.count
            emit(records)
            polls += 1
            if count > 0, polls >= count { break }
            var remaining = interval
            while remaining > 0, !stopped.isSet {
                let step = min(remaining, 0.05)
                usleep(UInt32(step * 1_000_000))
                remaining -= step
            }
        }
        StandardError.write("collect: \(polls) polls, \(sockets) socket records for host \(host)")
        if let uploader {
            stopped.set()
            if sent.wait(timeout: .now() + 15) == .timedOut { StandardError.write("collect: the sensor did not answer in time") }
            let c = uploader.counts
            StandardError.write("collect: \(c.sent) records acknowledged by \(uploader.url), \(c.dropped) dropped from a full spool, \(c.failures) failed posts\(c.lastError.map { " (last: \($0))" } ?? ""); what is left waits in \(uploader.spoolPath)")
            uploader.shutdown()
        }
        #else
        StandardError.write("quietwire: collect reads Linux's /proc; on macOS use scripts/lsof-feed or osquery")
        throw ExitCode(1)
        #endif
    }
}

/// A flag set from a signal handler and read by the loop it stops.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

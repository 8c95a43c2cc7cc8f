import Attribution
import Capture
import Config
import Coverage
import Detection
import Flows
import Foundation
import Outputs
import Pipeline
import SensorCore
import Store
import Synchronization
import Wire

/// The live sensor (`quietwire run`): the pipeline of `analyze` on packets as they come, with
/// packet time as the clock (on a quiet link the clock runs on from the last packet by the
/// wall clock). Finished flows wait `attributionLag` for their owners' feed records, then go
/// to the Zeek-style logs and the live analytic; alerts are appended to alerts.ndjson as their
/// evidence completes. Logs rotate by time and size; the baseline is checkpointed to SQLite
/// on an interval and at stop, and a restart resumes from it.
public final class LiveSensor {
    public struct Options {
        public var out: String
        public var settings: SensorSettings
        public var flows: FlowSettings
        /// Also print every alert line to standard output (for a log shipper).
        public var alertsToStandardOutput = false
        public init(out: String, settings: SensorSettings, flows: FlowSettings) {
            self.out = out
            self.settings = settings
            self.flows = flows
        }
    }

    /// Stops the sensor from any thread (a signal handler, a test).
    public final class Stopper: Sendable {
        private let flag = Atomic<Bool>(false)
        private let source = Mutex<PacketSource?>(nil)
        public init() {}
        public func stop() {
            flag.store(true, ordering: .relaxed)
            source.withLock { $0?.stop() }
        }
        public var isStopped: Bool { flag.load(ordering: .relaxed) }
        func watch(_ s: PacketSource?) { source.withLock { $0 = s } }
    }

    /// What a run did, for the closing summary.
    public struct Summary: Sendable {
        public var packets: UInt64 = 0
        public var flows: UInt64 = 0
        public var alerts = 0
        public var checkpoints = 0
        public var rotations = 0
        public var feedRecords = 0
        public var capture: CaptureStatistics?
        public var weirds: UInt64 = 0
        /// Why reading ended early (a failed or truncated capture), nil when stopped.
        public var failure: String?
    }

    public let options: Options
    public let stopper = Stopper()
    private let source: PacketSource
    private let correlator: Correlator
    private let attributor: FlowAttributor
    public let detection: LiveDetection
    private let store: BaselineStore?
    private let journal: FeedJournal?
    private let inbox: FeedInbox
    private let alerts: AlertLog
    private let metrics: SensorMetrics?
    /// The blind-spot figures since start, written to coverage.json with every health line.
    private let coverage: CoverageCollector?
    private let note: (String) -> Void
    private var logs: ZeekLogSet
    private var logsOpened: Timestamp?
    private var summary = Summary()

    /// Opens the outputs in `options.out`: earlier logs there are archived, not truncated;
    /// alerts.ndjson is appended to. `note` receives the sensor's own messages (health lines).
    public init(source: PacketSource, options: Options, correlator: Correlator, detection: LiveDetection, store: BaselineStore?,
                journal: FeedJournal?, inbox: FeedInbox, alerts: AlertLog, metrics: SensorMetrics?, coverage: CoverageCollector? = nil,
                note: @escaping (String) -> Void) throws(OutputError) {
        self.source = source
        self.options = options
        self.correlator = correlator
        self.detection = detection
        self.store = store
        self.journal = journal
        self.inbox = inbox
        self.alerts = alerts
        self.metrics = metrics
        self.coverage = coverage
        self.note = note
        attributor = FlowAttributor(correlator: correlator, lagSeconds: options.settings.attributionLag)
        Self.archiveLogs(in: options.out, closing: nil)
        logs = try ZeekLogSet(directory: options.out, format: .tsv, attributor: attributor)
        wire(logs)
        stopper.watch(source)
    }

    private func wire(_ logs: ZeekLogSet) {
        let detector = detection.detector
        let coverage = coverage
        logs.observer = {
            detector.observe($0, $1)
            coverage?.observe($0, $1)
        }
        logs.dnsObserver = { detector.observe(dns: $0) }
        logs.echoObserver = { detector.observe(echo: $0) }
        logs.sslObserver = { detector.observe(ssl: $0) }
        logs.httpObserver = { detector.observe(http: $0) }
        logs.unreachableObserver = { detector.observe(unreachable: $0) }
    }

    /// Moves the logs in `directory` aside as `<name>.<opened>.log` (Zeek's archive names,
    /// UTC), stamped with `closing` or else the file's modification time; empty logs
    /// (header only) are deleted.
    static func archiveLogs(in directory: String, closing: (opened: Timestamp, rows: [(String, Int)])?) {
        let fm = FileManager.default
        for file in ZeekLogSet.fileNames {
            let path = directory + "/" + file
            guard let attributes = try? fm.attributesOfItem(atPath: path) else { continue }
            let base = String(file.dropLast(4))
            if let closing, closing.rows.first(where: { $0.0 == base })?.1 == 0 {
                try? fm.removeItem(atPath: path)
                continue
            }
            let stamp = closing.map { stampText($0.opened) } ?? stampText((attributes[.modificationDate] as? Date) ?? Date())
            var target = "\(directory)/\(base).\(stamp).log"
            var n = 1
            while fm.fileExists(atPath: target) {
                target = "\(directory)/\(base).\(stamp)-\(n).log"
                n += 1
            }
            try? fm.moveItem(atPath: path, toPath: target)
        }
    }

    static func stampText(_ t: Timestamp) -> String { stampText(Date(timeIntervalSince1970: t.secondsDouble)) }
    static func stampText(_ d: Date) -> String {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        let p = c.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        return String(format: "%04d-%02d-%02d-%02d-%02d-%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
    }

    private static func wallNow() -> Double { Date().timeIntervalSince1970 }

    /// Captures until stopped (or, for a file source, until its end); flushes every open flow,
    /// judges once more and checkpoints before it returns.
    public func run() -> Summary {
        let decoder = PacketDecoder()
        let table = FlowTable(settings: options.flows)
        var packet = DecodedPacket()
        var clock = SensorClock(wall: Self.wallNow())
        func idleNow() -> Timestamp { clock.idle(wall: Self.wallNow()) }
        var lastTick = Int64.min
        var ticker = Ticker()
        var reported = (packets: UInt64(0), bytes: UInt64(0), weirds: [UInt64](), evicted: UInt64(0))
        func tick(_ now: Timestamp) {
            lastTick = now.nanoseconds
            logs.write(settled: attributor.release(now: now))
            for alert in detection.advance(to: now.nanoseconds) { write(alert) }
            let wall = Self.wallNow()
            logs.flush()
            if ticker.due(&ticker.rotation, now: now.nanoseconds, every: options.settings.rotateInterval) || connLogBytes() >= options.settings.rotateBytes {
                rotate(now)
                ticker.rotation = now.nanoseconds
            }
            if ticker.due(&ticker.checkpoint, now: now.nanoseconds, every: options.settings.checkpointInterval) { checkpoint(now) }
            // Metrics: deltas since the last tick.
            if let metrics {
                let s = decoder.statistics
                metrics.packets.increment(by: Int64(clamping: s.packets &- reported.packets))
                metrics.bytes.increment(by: Int64(clamping: s.wireBytes &- reported.bytes))
                let counts = decoder.weirds.counts
                if reported.weirds.count != counts.count { reported.weirds = Array(repeating: 0, count: counts.count) }
                for (k, c) in counts.enumerated() where c > reported.weirds[k] {
                    metrics.weirds(Weird(rawValue: UInt8(k))?.name ?? "weird_\(k)", c - reported.weirds[k])
                }
                reported.weirds = counts
                metrics.flowsEvicted.increment(by: Int64(clamping: table.evicted &- reported.evicted))
                reported.evicted = table.evicted
                reported.packets = s.packets
                reported.bytes = s.wireBytes
                metrics.flowsActive.record(table.count)
                let share = attributor.summary
                if share.egress.flows > 0 {
                    let unattributed = share.unattributedSources.values.reduce(UInt64(0)) { $0 + $1.flows }
                    metrics.attributedShare.record(Double(share.egress.flows - min(unattributed, share.egress.flows)) / Double(share.egress.flows))
                }
                if let c = source.statistics() {
                    metrics.captureReceived.record(Int64(clamping: c.received))
                    metrics.captureDropped.record(Int64(clamping: c.droppedByKernel))
                    metrics.captureInterfaceDropped.record(Int64(clamping: c.droppedByInterface))
                }
            }
            if wall - ticker.statsWall >= options.settings.statsInterval {
                ticker.statsWall = wall
                health(decoder: decoder, table: table)
            }
        }
        reading: while !stopper.isStopped {
            if inbox.hasPending { inbox.deliver { summary.feedRecords += $0.count; correlator.ingest($0) } }
            switch source.next() {
            case .frame(let frame):
                decoder.decode(frame.bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.wireLength, into: &packet)
                let valid = !options.flows.verifyChecksums || decoder.transportChecksumIsValid(packet, frame: frame.bytes)
                decoder.withPayload(of: packet, frame: frame.bytes) { table.update(packet, payload: $0, checksumValid: valid) }
                if packet.weirdCount > 0, let weird = packet.weird { LogRun.noteWeird(weird, packet, table: table, logs: logs) }
                let now = frame.timestamp
                if logsOpened == nil { logsOpened = now }
                let newest = clock.packet(now)
                logs.write(from: table, now: newest)
                // The first packet pairs the clock even when idle ticks came before it.
                if !clock.isPaired { clock.tick(wall: Self.wallNow()) }
                // When packet time jumps back, the clock stays at the newest time until packets
                // catch up, and ticks at most once a second of packet time meanwhile.
                let jumpedBack = lastTick != .min && now.nanoseconds < lastTick &- 1_000_000_000
                if lastTick == .min || now.nanoseconds &- lastTick >= 1_000_000_000 || jumpedBack {
                    clock.tick(wall: Self.wallNow())
                    tick(newest)
                    if jumpedBack { lastTick = now.nanoseconds }
                }
            case .timeout:
                let now = idleNow()
                if logsOpened == nil { logsOpened = now }
                table.expire(at: now)
                logs.write(from: table, now: now)
                if lastTick == .min || now.nanoseconds &- lastTick >= 1_000_000_000 { tick(now) }
            case .end:
                break reading
            case .truncated(let m), .failed(let m):
                summary.failure = m
                break reading
            }
        }
        // Stop: records already posted are ingested, every flow is flushed and settled, judged once more.
        inbox.deliver { summary.feedRecords += $0.count; correlator.ingest($0) }
        inbox.close()
        let now = clock.lastPacket.map { max($0, idleNow()) } ?? idleNow()
        decoder.finish()
        table.flushAll()
        logs.write(from: table, now: now)
        logs.write(settled: attributor.drain())
        for alert in detection.advance(to: now.nanoseconds) + detection.judge(now: now.nanoseconds) { write(alert) }
        checkpoint(now)
        logs.close()
        summary.packets = decoder.statistics.packets
        summary.flows = table.created
        summary.capture = source.statistics()
        summary.weirds = decoder.weirds.total
        health(decoder: decoder, table: table)
        return summary
    }

    /// When the periodic jobs last ran (packet time, nanoseconds) and the last health line (wall clock).
    struct Ticker {
        var rotation = Int64.min
        var checkpoint = Int64.min
        var statsWall = Date().timeIntervalSince1970
        /// True when `every` seconds passed since `last` (which starts the count on the first call).
        func due(_ last: inout Int64, now: Int64, every: Double) -> Bool {
            if last == .min { last = now; return false }
            guard now &- last >= Int64(every * 1e9) || now < last else { return false }
            last = now
            return true
        }
    }

    private func connLogBytes() -> Int {
        var st = stat()
        return stat(options.out + "/conn.log", &st) == 0 ? Int(st.st_size) : 0
    }

    private func write(_ alert: Alert) {
        let line = AlertWriter.line(alert)
        do {
            try alerts.append(line: line, id: alert.id)
        } catch {
            note("quietwire: alert \(alert.id) not written: \(error)")
        }
        summary.alerts += 1
        metrics?.alert(rule: "QW-AN1378-FALLBACK", severity: alert.severity)
        if options.alertsToStandardOutput {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    private func rotate(_ now: Timestamp) {
        let rows = logs.rows
        logs.close()
        Self.archiveLogs(in: options.out, closing: (logsOpened ?? now, rows))
        do {
            logs = try ZeekLogSet(directory: options.out, format: .tsv, attributor: attributor)
        } catch {
            note("quietwire: cannot reopen the logs: \(error); logs go to memory until the next rotation")
            logs = ZeekLogSet(format: .tsv, attributor: attributor)
        }
        wire(logs)
        logsOpened = now
        summary.rotations += 1
    }

    private func checkpoint(_ now: Timestamp) {
        journal?.rotate()
        guard let store else { return }
        do {
            try store.save(detection.checkpoint(now: now.nanoseconds))
            summary.checkpoints += 1
            metrics?.checkpointed(atWallSeconds: Self.wallNow())
        } catch {
            note("quietwire: checkpoint failed: \(error)")
        }
    }

    private func health(decoder: PacketDecoder, table: FlowTable) {
        let s = decoder.statistics
        let c = source.statistics()
        let capture = c.map { "received \($0.received), dropped \($0.droppedByKernel) by the kernel and \($0.droppedByInterface) by the interface" } ?? "no capture statistics"
        let weirds = decoder.weirds.nonZero.prefix(5).map { "\($0.0.name) \($0.1)" }.joined(separator: ", ")
        if let coverage {
            var report = coverage.report(correlator: correlator, feedProblems: 0, captureReceived: c?.received, captureDropped: c?.droppedByKernel,
                                         interfaceDropped: c?.droppedByInterface, weirds: decoder.weirds.nonZero.map { ($0.0.name, $0.1) },
                                         flowsEvicted: table.evicted, truncatedInputs: summary.failure == nil ? [] : [source.name])
            report.feedLags = metrics?.feedLags() ?? []
            do {
                try CoverageJSON.render(report, inputs: [source.name]).write(toFile: options.out + "/coverage.json", atomically: true, encoding: .utf8)
            } catch {
                note("quietwire: cannot write \(options.out)/coverage.json: \(error.localizedDescription)")
            }
        }
        note("sensor: \(s.packets) packets (\(capture)); \(decoder.weirds.total) weirds\(weirds.isEmpty ? "" : " (\(weirds))"); \(table.count) flows open, \(table.created) created, \(table.evicted) evicted; \(summary.feedRecords) feed records; \(summary.alerts) alerts; \(summary.checkpoints) checkpoints")
    }
}

import Capture
import Flows
import Outputs
import SensorCore
import Synchronization
import Wire

/// Reads captures through the decoder into the flow table and writes Zeek-style logs.
/// Used by `quietwire logs`; `analyze` and the live sensor will reuse it.
public final class LogRun: Sendable {
    public let settings: FlowSettings
    /// Called every 2^20 packets with the packets read so far, the flows open and the latest
    /// packet time (for progress on a terminal); on the reading thread.
    public let progress: (@Sendable (UInt64, Int, Timestamp) -> Void)?
    private let stopped = Atomic<Bool>(false)
    private let current = Mutex<PacketSource?>(nil)

    public init(settings: FlowSettings, progress: (@Sendable (UInt64, Int, Timestamp) -> Void)? = nil) {
        self.settings = settings
        self.progress = progress
    }

    /// Ends the run at the next packet; safe from any thread.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        current.withLock { $0?.stop() }
    }

    /// A weird of the decoder in weird.log, with the flow's uid when the packet reached one.
    public static func noteWeird(_ weird: Weird, _ p: DecodedPacket, table: FlowTable, logs: ZeekLogSet) {
        let endpoints = p.ipVersion == 0 ? nil : WeirdLogWriter.Endpoints(
            source: p.source, sourcePort: p.hasPorts ? p.sourcePort : nil,
            destination: p.destination, destinationPort: p.hasPorts ? p.destinationPort : nil)
        logs.weird.note(weird, at: p.timestamp, uid: table.uid(of: p), endpoints: endpoints, count: Int(p.weirdCount))
    }

    /// What a log run produced, beside the logs themselves.
    public struct Result: Sendable {
        public var decode: DecodeSummary
        public var flowsCreated: UInt64
        public var flowsEvicted: UInt64
        /// Rows written per log, by log name.
        public var rows: [(String, Int)]
        /// What the dissectors gave up on or logged early (`FlowTable.dissectorLosses`).
        public var dissectorLosses: [(String, UInt64)]
    }

    /// Opens every file first, then reads them in order, writing the logs to `logs` (closed at the end).
    public func run(files: [String], filter: String?, logs: ZeekLogSet) throws(CaptureError) -> Result {
        var sources: [PacketSource] = []
        for path in files {
            let s = try PacketSource.openFile(path)
            if let filter { try s.setFilter(filter) }
            sources.append(s)
        }
        let decoder = PacketDecoder()
        let table = FlowTable(settings: settings)
        var summary = DecodeSummary()
        var packet = DecodedPacket()
        var total: UInt64 = 0
        let clock = ContinuousClock()
        let started = clock.now
        reading: for source in sources {
            guard !stopped.load(ordering: .relaxed) else { summary.stoppedEarly = true; break }
            current.withLock { $0 = source }
            var input = DecodeSummary.Input(name: source.name)
            defer { summary.inputs.append(input) }
            while true {
                let ended = source.forEachFrame { frame in
                    decoder.decode(frame.bytes, linkType: frame.linkType, timestamp: frame.timestamp,
                                   wireLength: frame.wireLength, into: &packet)
                    // One copy out of the captured variable; passing the variable itself copied it
                    // at each call.
                    let p = packet
                    let valid = !settings.verifyChecksums || decoder.transportChecksumIsValid(p, frame: frame.bytes)
                    decoder.withPayload(of: p, frame: frame.bytes) { table.update(p, payload: $0, checksumValid: valid) }
                    if p.weirdCount > 0, let weird = p.weird { Self.noteWeird(weird, p, table: table, logs: logs) }
                    logs.write(from: table)
                    input.packets &+= 1
                    total &+= 1
                    if total & 0xF_FFFF == 0, let progress { progress(total, table.count, frame.timestamp) }
                }
                switch ended {
                case .frame, .timeout: continue  // frames went to the closure; .timeout: a quiet link
                case .end:
                    if stopped.load(ordering: .relaxed) { summary.stoppedEarly = true; break reading }
                    continue reading
                case .truncated(let m): input.truncated = m; continue reading
                case .failed(let m): input.failed = m; continue reading
                }
            }
        }
        current.withLock { $0 = nil }
        decoder.finish()
        // In batches: holding the record of every flow still open (most of them, in a capture
        // of long flows) cost page faults and a tenth of the run.
        table.endAll(batch: 4096) { logs.write(from: table) }
        logs.close()
        summary.record(decoder, elapsed: clock.now - started)
        return Result(decode: summary, flowsCreated: table.created, flowsEvicted: table.evicted, rows: logs.rows,
                      dissectorLosses: table.dissectorLosses)
    }
}

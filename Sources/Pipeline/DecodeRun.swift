import Capture
import Outputs
import SensorCore
import Synchronization
import Wire

/// Reads capture sources in order as one stream, decodes every frame, and writes
/// per-packet output. Call `stop()` from any thread to end early.
public final class DecodeRun: Sendable {
    /// Stop after this many packets (over all inputs); nil for no limit.
    public let limit: Int?
    public let output: PacketOutput
    /// Print progress to standard error every few seconds.
    public let progress: Bool
    private let stopped = Atomic<Bool>(false)
    private let current = Mutex<PacketSource?>(nil)

    public init(output: PacketOutput, limit: Int? = nil, progress: Bool = false) {
        self.output = output
        self.limit = limit
        self.progress = progress
    }

    /// Ends the run at the next packet or read timeout; safe from any thread.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        current.withLock { $0?.stop() }
    }

    /// Opens every input first (so a bad path fails before any output), then reads them in order.
    public func decodeFiles(_ paths: [String], filter: String?, to out: OutputBuffer) throws(CaptureError) -> DecodeSummary {
        var sources: [PacketSource] = []
        for path in paths {
            let source = try PacketSource.openFile(path)
            if let filter { try source.setFilter(filter) }
            sources.append(source)
        }
        return run(sources, to: out)
    }

    /// Captures from a live interface until stopped or the limit is reached.
    public func decodeLive(_ options: LiveOptions, filter: String?, to out: OutputBuffer) throws(CaptureError) -> DecodeSummary {
        let source = try PacketSource.openLive(options)
        if let filter { try source.setFilter(filter) }
        return run([source], to: out)
    }

    /// Reads `sources` in order with one decoder, so fragments and counters span inputs.
    public func run(_ sources: [PacketSource], to out: OutputBuffer) -> DecodeSummary {
        let decoder = PacketDecoder()
        var summary = DecodeSummary()
        let clock = ContinuousClock()
        let started = clock.now
        var lastProgress = started
        var total = 0
        let lines = PacketLineFormatter()
        let json = PacketJSONFormatter()
        var packet = DecodedPacket()
        reading: for source in sources {
            guard !stopped.load(ordering: .relaxed) else { summary.stoppedEarly = true; break }
            current.withLock { $0 = source }
            var input = DecodeSummary.Input(name: source.name)
            defer {
                if let stats = source.statistics() { summary.capture = stats }
                summary.inputs.append(input)
            }
            while true {
                let ended = source.forEachFrame(limit: limit.map { max(0, $0 - total) } ?? .max) { frame in
                    decoder.decode(frame.bytes, linkType: frame.linkType, timestamp: frame.timestamp,
                                   wireLength: frame.wireLength, into: &packet)
                    switch output {
                    case .none: break
                    case .lines: lines.write(packet, to: out); out.flushIfFull()
                    case .json: json.write(packet, to: out); out.flushIfFull()
                    }
                    input.packets &+= 1
                    total &+= 1
                    if progress && total & 0xFFFF == 0 {
                        reportProgressIfDue(total, since: started, last: &lastProgress, source: source.name)
                    }
                }
                if let limit, total >= limit {
                    summary.stoppedEarly = true
                    break reading
                }
                switch ended {
                case .frame, .timeout:  // forEachFrame hands frames to the closure; .timeout: a quiet link
                    continue
                case .end:
                    if stopped.load(ordering: .relaxed) { summary.stoppedEarly = true; break reading }
                    continue reading
                case .truncated(let message):
                    input.truncated = message
                    continue reading
                case .failed(let message):
                    input.failed = message
                    continue reading
                }
            }
        }
        current.withLock { $0 = nil }
        out.flush()
        decoder.finish()
        summary.record(decoder, elapsed: clock.now - started)
        return summary
    }

    /// Out of line: a clock instant in the per-frame closure made it fetch the type's metadata
    /// and size its stack for every frame.
    @inline(never)
    private func reportProgressIfDue(_ packets: Int, since start: ContinuousClock.Instant,
                                     last: inout ContinuousClock.Instant, source: String) {
        let now = ContinuousClock().now
        guard now - last >= .seconds(2) else { return }
        last = now
        reportProgress(packets, since: start, now: now, source: source)
    }

    private func reportProgress(_ packets: Int, since start: ContinuousClock.Instant,
                                now: ContinuousClock.Instant, source: String) {
        let seconds = Double((now - start).components.seconds)
        StandardError.write("quietwire: \(packets) packets in \(Int(seconds)) s"
            + " (\(Int(Double(packets) / max(seconds, 1))) packets/s), reading \(source)")
    }
}

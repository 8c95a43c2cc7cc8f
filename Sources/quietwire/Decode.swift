import ArgumentParser
import Capture
import Dispatch
import Outputs
import Pipeline
import SensorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode packets from capture files or a live interface, one line (or JSON object) per packet.",
        discussion: """
            Reads pcap and pcapng files (either byte order, micro- or nanosecond timestamps; - is \
            standard input). Several files are read in order as one stream. Prints one line per \
            packet like `tcpdump -n -tt`, or NDJSON with --json, then a summary on standard error: \
            packets, bytes, link types, protocols, weirds (malformed input counted by kind) and, \
            for live captures, libpcap's received/dropped counters. Ctrl-C stops a live capture \
            cleanly and prints the summary.

            Examples:
              quietwire decode pcaps/sample.pcap
              quietwire decode --json --count 10 a.pcap b.pcapng
              quietwire decode --stats-only big.pcap
              quietwire decode --interface eth0 --filter 'udp port 53'
            """)

    @Argument(help: "Capture files to read in order (pcap or pcapng; - for standard input).")
    var files: [String] = []

    @Option(name: [.short, .customLong("interface")], help: "Capture live from this interface instead of files (see `quietwire interfaces`).")
    var interface: String?

    @Option(name: [.short, .long], help: "BPF filter expression (pcap-filter(7) syntax), applied to files and live captures.")
    var filter: String?

    @Option(name: [.short, .long], help: "Stop after this many packets.")
    var count: Int?

    @Flag(help: "Write one JSON object per packet (NDJSON) instead of text lines.")
    var json = false

    @Flag(help: "Decode without per-packet output; print only the summary (to standard output).")
    var statsOnly = false

    @Flag(help: "Print the summary as one JSON object.")
    var summaryJSON = false

    @Flag(help: "Report progress on standard error every 2 seconds (default when standard error is a terminal and --stats-only is given).")
    var progress = false

    @Option(help: "Live: bytes kept of each packet.")
    var snaplen: Int32 = 262_144

    @Flag(inversion: .prefixedNo, help: "Live: put the interface in promiscuous mode.")
    var promiscuous = true

    @Flag(help: "Live: deliver packets as they arrive instead of in batches.")
    var immediate = false

    @Option(help: "Live: kernel capture buffer size in MiB (default: libpcap's, 2 MiB on Linux).")
    var bufferMiB: Int32?

    func validate() throws {
        if interface == nil && files.isEmpty {
            throw ValidationError("name capture files to read, or --interface IF to capture live")
        }
        if interface != nil && !files.isEmpty {
            throw ValidationError("give either capture files or --interface, not both")
        }
        if let count, count <= 0 { throw ValidationError("--count must be a positive number of packets") }
        if snaplen <= 0 { throw ValidationError("--snaplen must be positive") }
        if let bufferMiB, bufferMiB <= 0 || bufferMiB > 4096 {
            throw ValidationError("--buffer-mib must be between 1 and 4096")
        }
        if json && statsOnly { throw ValidationError("--json and --stats-only exclude each other (use --summary-json)") }
    }

    func run() throws {
        let output: PacketOutput = statsOnly ? .none : (json ? .json : .lines)
        let showProgress = progress || (statsOnly && isatty(2) == 1)
        let run = DecodeRun(output: output, limit: count, progress: showProgress)
        let signals = SignalStopper(run)
        defer { signals.cancel() }
        let out = OutputBuffer(descriptor: 1)
        let summary: DecodeSummary
        do {
            if let interface {
                var options = LiveOptions(interface: interface)
                options.snapLength = snaplen
                options.promiscuous = promiscuous
                options.immediate = immediate
                options.bufferSize = bufferMiB.map { $0 * 1_048_576 }
                summary = try run.decodeLive(options, filter: filter, to: out)
            } else {
                summary = try run.decodeFiles(files, filter: filter, to: out)
            }
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
        let formatter = SummaryFormatter()
        let text = summaryJSON ? formatter.json(summary) : formatter.text(summary)
        if statsOnly {
            out.append(text)
            out.flush()
        } else {
            StandardError.write(text)
        }
        for input in summary.inputs {
            if let t = input.truncated {
                StandardError.write("quietwire: warning: \(input.name) is truncated (\(t)); the \(input.packets) packets before the cut were decoded")
            }
            if let f = input.failed {
                StandardError.write("quietwire: error: reading \(input.name) failed after \(input.packets) packets: \(f)")
            }
        }
        if summary.hadInputProblems { throw ExitCode(3) }
    }
}

/// Turns SIGINT and SIGTERM into a clean stop of a run (summary and statistics still print).
final class SignalStopper {
    private let sources: [any DispatchSourceSignal]

    convenience init(_ run: DecodeRun) {
        self.init { run.stop() }
    }

    /// Calls `stop` on SIGINT or SIGTERM.
    init(stop: @escaping @Sendable () -> Void) {
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stop() }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    func cancel() {
        for s in sources { s.cancel() }
    }
}

import ArgumentParser
import Attribution
import Flows
import Foundation
import Outputs
import Pipeline

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write Zeek-style logs (conn, dns, ssl, quic, http, ssh, weird, icmp) from capture files.",
        discussion: """
            Builds bidirectional flows with Zeek's conn.log semantics (originator, conn_state, \
            history, bytes from sequence numbers, packets and IP bytes per side) plus a \
            Community ID v1 per flow; DNS transactions (queries paired with responses per flow, \
            with round-trip time; mDNS and LLMNR unpaired; DNS over TCP reassembled); and TLS \
            sessions over TCP and in QUIC (SNI, version, cipher, curve, alerts, Zeek's \
            ssl_history, JA3, JA4); QUIC connections (version, connection IDs, history); and \
            HTTP/1.x requests with their responses (method, host, URI or CONNECT target, user \
            agent, status); SSH banners; ICMP echo statistics; and the decoder's weirds. Writes \
            conn.log, dns.log, ssl.log, quic.log, http.log, ssh.log, weird.log and icmp.log into \
            --out as Zeek TSV (readable by zeek-cut) or, with --format json, one object per line \
            with Zeek's dotted keys.

            With --feed and --inventory, every flow is attributed to the endpoint process and \
            launch agent (or systemd unit) that owned its socket: conn.log gains host.id, \
            process.*, quietwire.agent.* and attribution.method/source/confidence/skew columns, \
            and attribution.json states how much of the egress was attributed, by method, with \
            the unattributed sources and destinations (docs/attribution.md).

            Examples:
              quietwire logs capture.pcap --out logs/ && zeek-cut id.orig_h id.resp_h service < logs/conn.log
              quietwire logs capture.pcap --feed osquery.log --feed sockets.ndjson --inventory plists/ --out logs/
            """)

    @Argument(help: "Capture files to read in order (pcap or pcapng; - for standard input).")
    var files: [String]

    @Option(name: .long, help: "Directory for the logs (created if missing).")
    var out: String

    @Option(help: "tsv (Zeek's framing) or json (one object per line).")
    var format: String = "tsv"

    @Option(name: [.short, .long], help: "BPF filter expression applied to the captures.")
    var filter: String?

    @Option(help: "Comma-separated CIDR blocks counted as local (local_orig/local_resp, egress). Default: RFC 1918, 100.64/10, 169.254/16, fc00::/7, fe80::/10.")
    var localNetworks: String?

    @Option(help: "Community ID v1 seed (0..65535).")
    var communityIDSeed: UInt16 = 0

    @Flag(help: "Verify TCP/UDP checksums like Zeek without -C: a packet with a bad one is recorded as C/c in history and otherwise ignored. Off by default: captures taken on a sending host carry offloaded (unfilled) checksums.")
    var verifyChecksums = false

    @Option(help: "Most flows held at once; the least recently active are evicted past it (counted).")
    var maxFlows: Int = 1_000_000

    @Option(help: "Write an interim record of every flow open longer than this many seconds to conn_long.log, again at each such interval, so long-lived and idle connections show before they end (0: off).")
    var interimInterval: Double = 0

    @OptionGroup(title: "Attribution")
    var attribution: AttributionOptions

    func validate() throws {
        guard ZeekLogFormat(rawValue: format) != nil else { throw ValidationError("--format must be tsv or json") }
        try LocalNetworks.validate(localNetworks)
        if !(interimInterval >= 0 && interimInterval <= 86_400 * 365) {
            throw ValidationError("--interim-interval must be between 0 (off) and 31536000 seconds")
        }
        if files.contains("-") && attribution.feeds.contains("-") {
            throw ValidationError("standard input (-) can be a capture or a feed, not both: write the feed to a file")
        }
        if maxFlows < 1 || maxFlows > FlowTable.largestMaximumFlows {
            throw ValidationError("--max-flows must be between 1 and \(FlowTable.largestMaximumFlows)")
        }
    }

    func run() throws {
        var settings = FlowSettings()
        settings.communityIDSeed = communityIDSeed
        settings.maximumFlows = maxFlows
        settings.verifyChecksums = verifyChecksums
        settings.interimInterval = interimInterval
        if let localNetworks {
            settings.localNetworks = LocalNetworks.parse(localNetworks)!
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            StandardError.write("quietwire: cannot create \(out): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let attributor = try attribution.makeAttributor()
        let run = LogRun(settings: settings)
        let result: LogRun.Result
        do {
            let logs = try ZeekLogSet(directory: out, format: ZeekLogFormat(rawValue: format)!, attributor: attributor?.0)
            result = try run.run(files: files, filter: filter, logs: logs)
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
        StandardError.write(SummaryFormatter().text(result.decode)
            + "flows: \(result.flowsCreated) created, \(result.flowsEvicted) evicted; rows: "
            + result.rows.map { "\($0.0).log \($0.1)" }.joined(separator: ", ")
            + (result.dissectorLosses.isEmpty ? "" : "\ndissector losses: "
                + result.dissectorLosses.map { "\($0.0)=\($0.1)" }.joined(separator: " ")))
        if let (attributor, problems) = attributor {
            let c = attributor.correlator
            StandardError.write(attributor.summary.text(skews: c.skews))
            let json = AttributionSummaryJSON.render(attributor.summary, skews: c.skews, feedProblems: problems,
                                                     socketRecords: c.socketCount, agents: c.agents.agentCount)
            do {
                try json.write(toFile: out + "/attribution.json", atomically: true, encoding: .utf8)
            } catch {
                StandardError.write("quietwire: cannot write \(out)/attribution.json: \(error.localizedDescription)")
                throw ExitCode(1)
            }
        }
        if result.decode.hadInputProblems { throw ExitCode(3) }
    }
}

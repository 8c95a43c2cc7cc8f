import Attribution
import Foundation
import Flows
import SensorCore

/// The evidence side of `FallbackDetector`: failure evidence on the primary (DETECTION.md 3.3)
/// and the named reasons that score a fallback channel (3.5-3.12).
extension FallbackDetector {
    /// Failure evidence on the primary in `(after, until]`, in time order (DETECTION.md 3.3):
    /// its failed flows (no answer, reset, TLS alert, HTTP error), NXDOMAIN or SERVFAIL for its
    /// registered domain asked from the agent's host, and destination unreachable messages
    /// about the primary's addresses and port.
    func failures(_ agent: AgentKey, primary: Rhythm, after: Int64, until: Int64) -> [(start: Int64, kind: String)] {
        let within = { (t: Int64) in t > after && t <= until }
        var result = primary.events.filter { $0.failed && within($0.start) }.map { ($0.start, $0.failure ?? "failed") }
        let addresses = hostAddresses[agent.host] ?? []
        if !primary.channel.isAddress {
            for a in addresses {
                for (t, domain, rcode) in dnsFailures[a] ?? [] where domain == primary.channel.destination && within(t) { result.append((t, rcode)) }
            }
        }
        let servers = Set(primary.events.map(\.flow.connection.responder))
        let proto: UInt8 = primary.channel.transport == "udp" ? 17 : primary.channel.transport == "tcp" ? 6 : 0
        for a in addresses {
            for m in unreachables[a] ?? [] where servers.contains(m.server) && m.proto == proto && within(m.time.nanoseconds)
                && (primary.channel.port == 0 || m.serverPort == primary.channel.port) {
                result.append((m.time.nanoseconds, "ICMP unreachable code \(m.code)"))
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    func fmt(_ v: Double) -> String { String(Double(Int((v * 10).rounded())) / 10) }

    /// The unusualness of a fallback channel (DETECTION.md 3.5, 3.9, 3.10, 3.12 weights).
    func score(agent: AgentKey, job: AgentRecord?, primary: ChannelKey, fallback: ChannelKey, flows: [Event],
                       history: Baseline.Agent, baseline: Baseline, onset: Int64, expected: Double) -> [Reason] {
        var reasons: [Reason] = []
        let first = flows[0]
        let usedTransports = Set(history.channels.keys.map { "\($0.transport)/\($0.proto)" })
        let unusual = fallback.transport == "icmp" || fallback.transport.hasPrefix("ip") || fallback.proto == "unknown" || fallback.proto == "dns"
        if unusual && !usedTransports.contains("\(fallback.transport)/\(fallback.proto)") {
            reasons.append(Reason("NEW_TRANSPORT", 2.0, "\(fallback.transport)/\(fallback.proto) never used by this agent before (it used \(usedTransports.sorted().joined(separator: ", ")))"))
        }
        let usedPorts = Set(history.channels.keys.filter { $0.transport == fallback.transport }.map(\.port))
        if fallback.port != 0 && !usedPorts.contains(fallback.port) {
            reasons.append(Reason("NEW_PORT", 0.5, "\(fallback.transport) port \(fallback.port) never used by this agent before"))
        }
        if !history.channels.keys.contains(where: { $0.destination == fallback.destination }) {
            let orgNew = baseline.destinations[fallback.destination] == nil
            reasons.append(Reason("NEW_DEST", orgNew ? 1.5 : 0.5, orgNew
                ? "\(fallback.destination) is new for this agent and for every host during the baseline"
                : "\(fallback.destination) is new for this agent (other hosts reached it before)"))
        }
        if let portService = first.flow.portService, portService != fallback.proto, fallback.proto != "unknown" || ["ssl", "http", "dns", "quic"].contains(portService) {
            reasons.append(Reason("PORT_PROTO_MISMATCH", 1.5, "\(fallback.proto) on \(fallback.transport) port \(first.flow.connection.responderPort), which usually carries \(portService)"))
        }
        let (running, reaching) = fleet.prevalence(of: fallback.destination, for: agent)
        if running >= max(settings.fleetMinimumHosts, 2) {
            let share = Double(reaching) / Double(running - 1)
            let text = "\(fallback.destination) was reached by \(reaching) of the \(running - 1) other hosts running this agent (\(fmt(share * 100))%)"
            if share <= settings.fleetRareShare {
                reasons.append(Reason("RARE_DEST_FLEET", 1.0, text))
            } else if share >= settings.fleetCommonShare {
                reasons.append(Reason("COMMON_DEST_FLEET", -1.0, text))
            }
        }
        let hostName = first.attribution.hostID ?? first.flow.connection.originator.description
        // A resolver is reached by address by design: DNS itself is never "direct to IP".
        if fallback.isAddress && fallback.proto != "dns" {
            if baseline.hostsUsingDNS[hostName] != nil || hostsUsingDNS[hostName] != nil {
                reasons.append(Reason("DIRECT_IP_NO_DNS", 1.0, "to \(first.flow.connection.responder) with no DNS answer or server name, from a host that uses DNS"))
            } else {
                reasons.append(Reason("ENCRYPTED_DNS_HOST", 0, "no plain DNS answer was ever seen for this host (encrypted DNS), so reaching \(first.flow.connection.responder) by address is no evidence"))
            }
        }
        if let exe = first.attribution.process?.executable, !history.executables.isEmpty, !history.executables.contains(exe) {
            let pid = first.attribution.process.map { " (pid \($0.pid)\($0.ppid.map { ", parent \($0)" } ?? ""))" } ?? ""
            reasons.append(Reason("NEW_CHILD_NET", 1.0, "network I/O by \(exe)\(pid), which this agent never used for the network before (it used \(history.executables.sorted().joined(separator: ", ")))"))
        }
        if history.usedProxy, first.flow.isEgress,
           !settings.proxies.contains(ProxyAddress(address: first.flow.connection.responder, port: first.flow.connection.responderPort)) {
            reasons.append(Reason("PROXY_BYPASS", 1.5, "the agent used the proxy \(settings.proxies.map(\.description).sorted().joined(separator: ", ")) and now reaches \(first.flow.connection.responder):\(first.flow.connection.responderPort) directly"))
        }
        let executable = agent.program ?? first.attribution.process?.executable
        let platform = VendorFallbackPairs.isApplePlatform(executable, teamID: agent.teamID)
        // Unsigned only when the job's own program was seen doing I/O without a team id (an
        // agent seen only through its children has an unknown signature, not none).
        let ownProgramSeen = agent.program.map { history.executables.contains($0) || first.attribution.process?.executable == $0 } ?? false
        if let label = agent.label, label.hasPrefix("com.apple."), !platform {
            reasons.append(Reason("LABEL_MASQUERADE", 1.5, "label \(label) but \(executable ?? "the program") is not an Apple platform binary (team id \(agent.teamID ?? "none"))"))
        } else if let label = agent.label, let vendor = VendorFallbackPairs.vendorTeam(ofLabel: label), agent.teamID != vendor.teamID,
                  agent.teamID != nil || ownProgramSeen {
            reasons.append(Reason("LABEL_MASQUERADE", 1.5, "label \(label) looks like \(vendor.name)'s but \(executable ?? "the program") is signed by team \(agent.teamID ?? "none"), not \(vendor.teamID)"))
        }
        if (job?.plistPath ?? history.plistPath)?.hasSuffix(".plist") == true, agent.teamID == nil, !platform, ownProgramSeen {
            reasons.append(Reason("UNSIGNED_AGENT", 1.0, "launchd job \(agent.label ?? "?") runs \(executable ?? "a program") with no code-signing team id"))
        }
        let switchSeconds = Saturating.seconds(flows[0].start, minus: onset)
        if switchSeconds <= 2 * expected {
            reasons.append(Reason("TIGHT_SWITCH", 0.5, "the fallback started \(Int(max(min(switchSeconds, 9e15), -9e15))) s after the primary's onset of trouble"))
        }
        let name = first.flow.serverName ?? first.flow.resolvedName
        let encryptedDNS = fallback.port == 853 || (fallback.port == 443 && ["ssl", "quic", "http", "unknown"].contains(fallback.proto))
        if encryptedDNS, let resolver = PublicResolvers.resolver(name: name, address: first.flow.connection.responder),
           !settings.approvedResolvers.contains(resolver), !(platform && resolver == PublicResolvers.apple) {
            reasons.append(Reason("DOH_NONCORP", 2.0, "\(fallback.port == 853 ? "DNS over TLS/QUIC" : "DNS over HTTPS") to the public resolver \(resolver), which is not an approved resolver"))
        }
        if fallback.proto == "dns" {
            let asked = flows.flatMap { questions[$0.flow.connection.uid] ?? [] }
                .map { DNSTunnelScore.Query(name: $0.name, type: $0.type, time: $0.time, connected: connected($0)) }
            if let tunnel = DNSTunnelScore.strongest(asked, domains: domains) {
                if tunnel.isTunnel {
                    reasons.append(Reason("DNS_TUNNEL", 2.0, tunnel.detail))
                } else if tunnel.isLowVolumeTunnel {
                    // Too few queries for the rates to speak (DETECTION.md 3.6): the agent's own
                    // first DNS, with encoded labels, right after its primary went quiet.
                    reasons.append(Reason("DNS_TUNNEL", 1.0, "low volume, encoded labels: " + tunnel.detail))
                }
            }
        }
        if fallback.transport == "icmp", let tunnel = ICMPTunnelEvidence(flows.compactMap { echoes[$0.flow.connection.uid] }), tunnel.isTunnel {
            reasons.append(Reason("ICMP_TUNNEL", 2.0, tunnel.detail))
        }
        if let job, job.keepAlive == true, let exe = job.executable, let name = exe.split(separator: "/").last,
           VendorFallbackPairs.interpreters.contains(String(name)) || name.hasPrefix("python"),
           !reasons.contains(where: { $0.code == "UNSIGNED_AGENT" }) {
            let script = job.programArguments.dropFirst().first { !$0.hasPrefix("-") } ?? "a script"
            reasons.append(Reason("UNSIGNED_AGENT", 1.0, "launchd job \(agent.label ?? "?") keeps \(script) alive under the interpreter \(exe) (a script carries no code signature)"))
        }
        if platform, VendorFallbackPairs.appleDomains.contains(fallback.destination) {
            reasons.append(Reason("APPLE_PLATFORM_HOST", -3.0, "an Apple platform binary reaching \(fallback.destination), a domain Apple documents for its products"))
        }
        if let job, ProgramArgumentHosts.domains(job.programArguments, domains: domains).contains(fallback.destination) {
            reasons.append(Reason("PLIST_NAMED_HOST", 0, "the job's ProgramArguments name \(fallback.destination)"))
        }
        let signer = platform ? VendorFallbackPairs.appleSigner : agent.teamID
        if let pair = VendorFallbackPairs.pair(signer: signer, from: primary, to: fallback) {
            reasons.append(Reason("VENDOR_FALLBACK_PAIR", -2.5, pair.note))
        }
        let from = "\(primary.transport)/\(primary.port)", to = "\(fallback.transport)/\(fallback.port)"
        for entry in settings.allowlist where entry.matches(agent) {
            if !reasons.contains(where: { $0.code == "VENDOR_FALLBACK_PAIR" }), entry.fallbacks.contains(where: { $0.from == from && $0.to == to }) {
                reasons.append(Reason("VENDOR_FALLBACK_PAIR", -2.5, "the allowlist expects team \(entry.teamID) to move from \(from) to \(to)"))
            }
            if !reasons.contains(where: { $0.code == "VENDOR_DOMAIN" }), entry.destinations.contains(fallback.destination) {
                reasons.append(Reason("VENDOR_DOMAIN", -2.0, "the allowlist expects team \(entry.teamID) to reach \(fallback.destination)"))
            }
        }
        return reasons
    }
}

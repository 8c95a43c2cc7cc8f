import Coverage

/// The terminal summary of `quietwire coverage`: one block per question (proxy bypass, name
/// resolution, telemetry gaps, sensor losses), each with its largest entries.
public enum CoverageSummaryText {
    static func size(_ bytes: UInt64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(bytes), u = 0
        while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(bytes) B" : String(Double(Int(v * 10)) / 10) + " " + units[u]
    }

    static func share(_ part: UInt64, of whole: UInt64) -> String {
        whole == 0 ? "0%" : String(Double(Int(Double(part) / Double(whole) * 1000)) / 10) + "%"
    }

    static func top(_ list: [(name: String, tally: CoverageReport.Tally)], _ n: Int = 3) -> String {
        list.prefix(n).map { "\(TerminalText.safe($0.name)) (\($0.tally.flows))" }.joined(separator: ", ")
    }

    static func line(_ label: String, _ b: CoverageReport.Breakdown, of egress: UInt64?, owners: String = "by") -> String {
        var s = "  \(label): \(b.total.flows) flows, \(size(b.total.bytes))" + (egress.map { " (\(share(b.total.bytes, of: $0)) of egress bytes)" } ?? "")
        if !b.destinations.isEmpty { s += "; to \(top(b.destinations))" }
        if !b.owners.isEmpty { s += "; \(owners) \(top(b.owners))" }
        return s
    }

    public static func text(_ r: CoverageReport) -> String {
        var lines = ["coverage: \(r.egress.flows) egress flows, \(size(r.egress.bytes))"]
        let e = r.egress.bytes
        lines.append(r.proxies.isEmpty ? "proxy bypass: no proxy configured (--proxy); all egress is direct"
                     : "proxy bypass: via \(r.proxies.joined(separator: ", ")) \(r.viaProxy.flows) flows (\(share(r.viaProxy.bytes, of: e)) of bytes); direct:")
        for c in CoverageReport.EgressClass.allCases {
            guard let b = r.direct[c], b.total.flows > 0 else { continue }
            lines.append(line(c.rawValue, b, of: e))
        }
        lines.append("name resolution the approved resolvers never saw"
                     + (r.approvedResolvers.isEmpty ? " (no approved resolvers configured: every DNS server is listed):" : ":"))
        lines.append(line("encrypted DNS to public resolvers", r.encryptedDNS, of: e))
        lines.append(line("plain DNS to other servers (inside or out)", r.unapprovedDNS, of: nil))
        lines.append(line("no visible lookup, with a server name", r.unresolvedNamed, of: e))
        lines.append(line("no visible lookup, by bare address", r.unresolvedUnnamed, of: e))
        if r.feedsGiven {
            lines.append("telemetry gaps:")
            lines.append(line("unattributed egress", r.unattributed, of: e, owners: "from"))
            if !r.hostsWithoutFeed.isEmpty { lines.append("  addresses with egress but no feed: \(top(r.hostsWithoutFeed.map { ($0.address, $0.tally) }, 5))") }
            if !r.feedHostsWithoutTraffic.isEmpty {
                lines.append("  feed hosts without traffic: \(r.feedHostsWithoutTraffic.prefix(5).map(TerminalText.safe).joined(separator: ", "))"
                             + (r.feedHostsWithoutTraffic.count > 5 ? " and \(r.feedHostsWithoutTraffic.count - 5) more" : ""))
            }
            if !r.inventoryAgentsUnseen.isEmpty {
                lines.append("  inventory agents never seen on the wire: \(r.inventoryAgentsUnseen.count) (\(r.inventoryAgentsUnseen.prefix(3).map { TerminalText.safe("\($0.label) on \($0.host)") }.joined(separator: ", ")))")
            }
            if !r.agentsNotInInventory.isEmpty {
                lines.append("  agents on the wire the inventory lacks: \(r.agentsNotInInventory.prefix(3).map { TerminalText.safe("\($0.name) on \($0.host)") }.joined(separator: ", "))")
            }
            if r.feedProblems > 0 { lines.append("  feed lines or rows skipped: \(r.feedProblems)") }
        } else {
            lines.append("telemetry gaps: no --feed given, so no flow could be attributed")
        }
        var sensor = "sensor: "
        if let received = r.captureReceived {
            sensor += "\(received) packets received, \(r.captureDropped ?? 0) dropped by the kernel, \(r.interfaceDropped ?? 0) by the interface; "
        } else {
            sensor += "file input (no capture drops); "
        }
        let weirds = r.weirds.reduce(0) { $0 + $1.count }
        sensor += "\(weirds) decode weirds" + (r.weirds.isEmpty ? "" : " (\(r.weirds.prefix(3).map { "\($0.name) \($0.count)" }.joined(separator: ", ")))")
        sensor += ", \(r.flowsEvicted) flows evicted under memory pressure"
        if !r.truncatedInputs.isEmpty { sensor += ", truncated: \(r.truncatedInputs.map(TerminalText.safe).joined(separator: ", "))" }
        lines.append(sensor)
        return lines.joined(separator: "\n")
    }
}

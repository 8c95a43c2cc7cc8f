import Coverage

/// `coverage.json` (schema `quietwire.coverage/1`, keys documented in docs/coverage.md): the
/// blind spots of a run. Names from the wire or a feed are escaped.
public enum CoverageJSON {
    public static let schema = "quietwire.coverage/1"

    public static func render(_ r: CoverageReport, inputs: [String]) -> String {
        let out = OutputBuffer(descriptor: nil)
        func tally(_ t: CoverageReport.Tally) {
            out.append("{\"flows\":" as StaticString); out.appendDecimal(t.flows)
            out.append(",\"bytes\":" as StaticString); out.appendDecimal(t.bytes); out.append(UInt8(ascii: "}"))
        }
        func named(_ list: [(name: String, tally: CoverageReport.Tally)]) {
            out.append(UInt8(ascii: "["))
            for (k, e) in list.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                out.append("{\"name\":" as StaticString); JSONText.appendString(e.name, to: out)
                out.append(",\"flows\":" as StaticString); out.appendDecimal(e.tally.flows)
                out.append(",\"bytes\":" as StaticString); out.appendDecimal(e.tally.bytes); out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        func breakdown(_ b: CoverageReport.Breakdown, owners: StaticString = "owners") {
            out.append("{\"flows\":" as StaticString); out.appendDecimal(b.total.flows)
            out.append(",\"bytes\":" as StaticString); out.appendDecimal(b.total.bytes)
            out.append(",\"top_destinations\":" as StaticString); named(b.destinations)
            out.append(",\"top_" as StaticString); out.append(owners); out.append("\":" as StaticString); named(b.owners)
            out.append(UInt8(ascii: "}"))
        }
        func strings(_ list: [String]) {
            out.append(UInt8(ascii: "["))
            for (k, s) in list.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(s, to: out)
            }
            out.append(UInt8(ascii: "]"))
        }
        /// Seconds rounded to the millisecond.
        func milliseconds(_ s: Double) -> Double { (s * 1000).rounded() / 1000 }
        func optional(_ key: StaticString, _ v: UInt64?) {
            out.append(key)
            if let v { out.appendDecimal(v) } else { out.append("null" as StaticString) }
        }
        out.append("{\"schema\":\"" as StaticString); out.append(schema)
        out.append("\",\"inputs\":" as StaticString); strings(inputs)
        out.append(",\"egress\":" as StaticString); tally(r.egress)

        out.append(",\"proxy\":{\"configured\":" as StaticString); strings(r.proxies)
        out.append(",\"via_proxy\":" as StaticString); tally(r.viaProxy)
        out.append(",\"direct\":{" as StaticString)
        for (k, c) in CoverageReport.EgressClass.allCases.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\"")); out.append(c.rawValue); out.append("\":" as StaticString)
            breakdown(r.direct[c] ?? CoverageReport.Breakdown())
        }
        out.append("}}" as StaticString)

        out.append(",\"resolution\":{\"approved_resolvers\":" as StaticString); strings(r.approvedResolvers)
        out.append(",\"encrypted_dns\":" as StaticString); breakdown(r.encryptedDNS)
        out.append(",\"unapproved_dns\":" as StaticString); breakdown(r.unapprovedDNS)
        out.append(",\"no_visible_lookup\":{\"with_server_name\":" as StaticString); breakdown(r.unresolvedNamed)
        out.append(",\"without_name\":" as StaticString); breakdown(r.unresolvedUnnamed)
        out.append("}}" as StaticString)

        out.append(",\"telemetry\":{\"feeds_given\":" as StaticString); out.append(r.feedsGiven ? "true" as StaticString : "false" as StaticString)
        out.append(",\"feed_problems\":" as StaticString); out.appendDecimal(r.feedProblems)
        out.append(",\"unattributed\":" as StaticString); breakdown(r.unattributed, owners: "hosts")
        out.append(",\"hosts_without_feed\":" as StaticString); named(r.hostsWithoutFeed.map { ($0.address, $0.tally) })
        out.append(",\"feed_hosts_without_traffic\":" as StaticString); strings(r.feedHostsWithoutTraffic)
        out.append(",\"inventory_agents_unseen\":[" as StaticString)
        for (k, a) in r.inventoryAgentsUnseen.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"host\":" as StaticString); JSONText.appendString(a.host, to: out)
            out.append(",\"label\":" as StaticString); JSONText.appendString(a.label, to: out); out.append(UInt8(ascii: "}"))
        }
        out.append("],\"agents_not_in_inventory\":[" as StaticString)
        for (k, a) in r.agentsNotInInventory.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"host\":" as StaticString); JSONText.appendString(a.host, to: out)
            out.append(",\"label\":" as StaticString); JSONText.appendString(a.name, to: out)
            out.append(",\"flows\":" as StaticString); out.appendDecimal(a.tally.flows)
            out.append(",\"bytes\":" as StaticString); out.appendDecimal(a.tally.bytes); out.append(UInt8(ascii: "}"))
        }
        out.append("],\"clock_skew\":[" as StaticString)
        for (k, s) in r.clockSkews.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"host\":" as StaticString); JSONText.appendString(s.host, to: out)
            out.append(",\"seconds\":" as StaticString); out.append(String(s.seconds))
            out.append(",\"samples\":" as StaticString); out.appendDecimal(s.samples); out.append(UInt8(ascii: "}"))
        }
        out.append("],\"feed_lag\":[" as StaticString)
        for (k, l) in r.feedLags.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"source\":" as StaticString); JSONText.appendString(l.source, to: out)
            out.append(",\"batches\":" as StaticString); out.appendDecimal(l.batches)
            out.append(",\"mean_seconds\":" as StaticString); out.append(String(milliseconds(l.meanSeconds)))
            out.append(",\"max_seconds\":" as StaticString); out.append(String(milliseconds(l.maximumSeconds)))
            out.append(",\"last_seconds\":" as StaticString); out.append(String(milliseconds(l.lastSeconds)))
            out.append(",\"late_batches\":" as StaticString); out.appendDecimal(l.lateBatches); out.append(UInt8(ascii: "}"))
        }
        out.append("]}" as StaticString)

        optional(",\"sensor\":{\"capture_received\":" as StaticString, r.captureReceived)
        optional(",\"capture_dropped\":" as StaticString, r.captureDropped)
        optional(",\"interface_dropped\":" as StaticString, r.interfaceDropped)
        out.append(",\"weirds\":{" as StaticString)
        for (k, w) in r.weirds.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(w.name, to: out); out.append(UInt8(ascii: ":")); out.appendDecimal(w.count)
        }
        out.append("},\"flows_evicted\":" as StaticString); out.appendDecimal(r.flowsEvicted)
        out.append(",\"truncated_inputs\":" as StaticString); strings(r.truncatedInputs)
        out.append(UInt8(ascii: "}"))

        out.append(",\"hosts\":{" as StaticString)
        for (k, (host, h)) in r.hosts.sorted(by: { $0.key < $1.key }).enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(host, to: out)
            out.append(":{\"egress\":" as StaticString); tally(h.egress)
            out.append(",\"direct\":" as StaticString); tally(h.direct)
            out.append(",\"unattributed\":" as StaticString); tally(h.unattributed)
            out.append(",\"encrypted_dns\":" as StaticString); tally(h.encryptedDNS)
            out.append(",\"unapproved_dns\":" as StaticString); tally(h.unapprovedDNS)
            out.append(",\"no_visible_lookup\":" as StaticString); tally(h.noVisibleLookup)
            out.append(",\"top_destinations\":" as StaticString); named(h.destinations)
            out.append(UInt8(ascii: "}"))
        }
        out.append("},\"checks\":{" as StaticString)
        for (k, c) in r.checks.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\"")); out.append(c.name); out.append("\":" as StaticString); out.append(String(c.value))
        }
        out.append("}}\n" as StaticString)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}

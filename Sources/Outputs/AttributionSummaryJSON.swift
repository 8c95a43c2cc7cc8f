import Attribution

/// `attribution.json`: the attribution coverage of a run, with stable keys (docs/attribution.md):
/// egress flows and bytes, per method flows, bytes and shares, the top unattributed sources and
/// destinations, flows per agent label, and each host's estimated clock skew.
public enum AttributionSummaryJSON {
    /// Entries listed under each top list.
    public static let topCount = 20

    public static func render(_ s: AttributionSummary, skews: [(host: String, seconds: Double, samples: Int)],
                              feedProblems: Int, socketRecords: Int, agents: Int) -> String {
        let out = OutputBuffer(descriptor: nil)
        func tally(_ t: AttributionSummary.Tally) {
            out.append("{\"flows\":" as StaticString); out.appendDecimal(t.flows)
            out.append(",\"bytes\":" as StaticString); out.appendDecimal(t.bytes); out.append(UInt8(ascii: "}"))
        }
        func list(_ key: StaticString, _ map: [String: AttributionSummary.Tally]) {
            out.append(key)
            out.append(UInt8(ascii: "["))
            for (k, (name, t)) in AttributionSummary.top(map, topCount).enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                out.append("{\"name\":" as StaticString); JSONText.appendString(name, to: out)
                out.append(",\"flows\":" as StaticString); out.appendDecimal(t.flows)
                out.append(",\"bytes\":" as StaticString); out.appendDecimal(t.bytes); out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append("{\"egress\":" as StaticString); tally(s.egress)
        out.append(",\"methods\":{" as StaticString)
        for (k, m) in Attribution.Method.allCases.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            let t = s.byMethod[m] ?? AttributionSummary.Tally()
            let share = s.share(m)
            out.append(UInt8(ascii: "\"")); out.append(m.rawValue)
            out.append("\":{\"flows\":" as StaticString); out.appendDecimal(t.flows)
            out.append(",\"bytes\":" as StaticString); out.appendDecimal(t.bytes)
            out.append(",\"flow_share\":" as StaticString); out.append(String(share.flows))
            out.append(",\"byte_share\":" as StaticString); out.append(String(share.bytes)); out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        list(",\"unattributed_sources\":", s.unattributedSources)
        list(",\"unattributed_destinations\":", s.unattributedDestinations)
        out.append(",\"unattributed_other\":" as StaticString); tally(s.otherUnattributed)
        out.append(",\"agents\":[" as StaticString)
        for (k, (label, flows)) in s.agents.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(topCount).enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"label\":" as StaticString); JSONText.appendString(label, to: out)
            out.append(",\"flows\":" as StaticString); out.appendDecimal(flows); out.append(UInt8(ascii: "}"))
        }
        out.append("],\"clock_skew\":[" as StaticString)
        for (k, skew) in skews.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"host\":" as StaticString); JSONText.appendString(skew.host, to: out)
            out.append(",\"seconds\":" as StaticString); out.append(skew.seconds.isFinite ? String(skew.seconds) : "null")
            out.append(",\"matches\":" as StaticString); out.appendDecimal(skew.samples); out.append(UInt8(ascii: "}"))
        }
        out.append("],\"socket_records\":" as StaticString); out.appendDecimal(socketRecords)
        out.append(",\"inventory_agents\":" as StaticString); out.appendDecimal(agents)
        out.append(",\"feed_problems\":" as StaticString); out.appendDecimal(feedProblems)
        out.append("}\n" as StaticString)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}

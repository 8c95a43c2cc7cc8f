import Coverage
import Detection
import Foundation
import SensorCore

/// `report.html`: one self-contained page (no scripts, no fetches; a Content-Security-Policy
/// forbids both) with an overview, one section per alert (reasons with their numbers, the
/// attribution, the flows with Community IDs, the evidence pcap, and the agent's timeline as
/// SVG: primary sessions, the quiet gap shaded, fallback flows in another colour, sleep
/// greyed; hovering a mark names it) and the coverage figures as bar charts. Every string
/// from the wire or a feed is escaped.
public enum ReportHTML {
    /// Text for HTML content or a quoted attribute: `& < > " '` as entities, control
    /// characters (which could only disturb the layout) as U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            switch s {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(s)
            default: if s.value < 0x20 || (s.value >= 0x7f && s.value < 0xa0) { out += "\u{FFFD}" } else { out.unicodeScalars.append(s) }
            }
        }
        return out
    }

    static func time(_ ns: Int64) -> String {
        Date(timeIntervalSince1970: Double(ns) / 1e9).formatted(.iso8601)
    }

    static let style = """
        body{font:14px/1.4 -apple-system,Helvetica,Arial,sans-serif;margin:24px;max-width:1100px;color:#222}
        h1{font-size:22px}h2{font-size:17px;margin-top:32px;overflow-wrap:anywhere}
        table{border-collapse:collapse;margin:8px 0;width:100%;table-layout:fixed}
        td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
        .sev{display:inline-block;padding:1px 8px;border-radius:3px;color:#fff;font-size:12px}
        .s3{background:#b00020}.s2{background:#e07000}.s1{background:#5470a0}
        .neg{color:#207020}.muted{color:#777}
        svg{display:block;margin:6px 0}
        .asleep{fill:#e4e4e4}.quiet{fill:#ffb347;opacity:.45}.primary{fill:#2a8a3a}.failed{fill:#c00}.fallback{fill:#7b2fbe}.pathchange{fill:#4a90d9;opacity:.25}
        .bar{fill:#5470a0}.axis{stroke:#999;stroke-width:1}.label{font-size:11px;fill:#555}
        """

    public static func render(alerts: [Alert], coverage: CoverageReport?, inputs: [String]) -> String {
        var h = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>QuietWire report</title><style>\(style)</style></head><body>
            <h1>QuietWire report</h1>
            <p class="muted">\(escape(inputs.joined(separator: ", ")))</p>

            """
        let bySeverity = Dictionary(grouping: alerts, by: \.severity)
        h += "<section id=\"overview\"><h2>Overview</h2><table><tr><th>alerts</th><th>high</th><th>medium</th><th>low</th></tr>"
        h += "<tr><td>\(alerts.count)</td><td>\(bySeverity[3]?.count ?? 0)</td><td>\(bySeverity[2]?.count ?? 0)</td><td>\(bySeverity[1]?.count ?? 0)</td></tr></table>"
        if let c = coverage {
            let checks = c.checks.map { "<tr><td>\(escape($0.name))</td><td>\(String(format: "%.4g", $0.value))</td></tr>" }.joined()
            h += "<table><tr><th>coverage check</th><th>value</th></tr>\(checks)</table>"
        }
        h += "</section>\n"
        for a in alerts { h += section(a) }
        if let c = coverage { h += coverageSection(c) }
        return h + "</body></html>\n"
    }

    static func section(_ a: Alert) -> String {
        let names = [1: "LOW", 2: "MEDIUM", 3: "HIGH"]
        var h = "<section class=\"alert\" id=\"\(escape(a.id))\"><h2><span class=\"sev s\(a.severity)\">\(names[a.severity] ?? "?") \(a.score)</span> \(escape(a.message))</h2>"
        h += "<p>first fallback flow \(time(a.start.nanoseconds)); evidence complete \(time(a.evidenceComplete.nanoseconds)); "
        h += "<a href=\"evidence/\(escape(a.id)).pcap\">evidence pcap</a>; ATT&amp;CK \(escape(a.techniques.joined(separator: ", ")))</p>"
        if let p = a.attribution.process {
            h += "<p>process \(p.pid) \(escape(p.executable ?? "?")) (team \(escape(p.teamID ?? "none"))), attribution \(escape(a.attribution.method.rawValue)) "
            h += "from \(escape(a.attribution.source ?? "?")), confidence \(a.attribution.confidence)</p>"
        }
        h += "<table><tr><th style=\"width:190px\">reason</th><th style=\"width:60px\">weight</th><th>evidence</th></tr>"
        for r in a.reasons {
            h += "<tr><td>\(escape(r.code))</td><td class=\"\(r.weight < 0 ? "neg" : "")\">\(r.weight)</td><td>\(escape(r.detail))</td></tr>"
        }
        h += "</table>"
        if let t = a.timeline { h += timeline(t, agent: a.agent.description) }
        h += "<table><tr><th style=\"width:230px\">flow start</th><th>destination</th><th>Community ID</th></tr>"
        for f in a.flows {
            h += "<tr><td>\(time(f.start.nanoseconds))</td><td>\(escape("\(f.connection.responder):\(f.connection.responderPort)/\(f.transportName)"))"
            h += "\((f.serverName ?? f.resolvedName).map { " " + escape($0) } ?? "")</td><td>\(f.communityID)</td></tr>"
        }
        return h + "</table></section>\n"
    }

    /// One agent's story as SVG: x is time over the whole input.
    static func timeline(_ t: Alert.Timeline, agent: String) -> String {
        let width = 1000.0, height = 90.0, left = 10.0, right = 10.0
        let span = Double(max(1, t.end - t.start))
        let x = { (ns: Int64) in left + (Double(ns - t.start) / span) * (width - left - right) }
        var s = "<svg class=\"timeline\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        s += "<title>\(escape(agent)): primary sessions, quiet gap and fallback flows</title>"
        // Asleep: the gaps between awake intervals.
        var cursor = t.start
        for (a, b) in t.awake + [(t.end, t.end)] {
            if a > cursor { s += "<rect class=\"asleep\" x=\"\(fmt(x(cursor)))\" y=\"0\" width=\"\(fmt(x(a) - x(cursor)))\" height=\"70\"><title>asleep \(time(cursor)) to \(time(a))</title></rect>" }
            cursor = max(cursor, b)
        }
        for (a, b) in t.pathChanges {
            s += "<rect class=\"pathchange\" x=\"\(fmt(x(a)))\" y=\"0\" width=\"\(fmt(max(1, x(b) - x(a))))\" height=\"70\"><title>host-wide path change (VPN, network loss) \(time(a)) to \(time(b))</title></rect>"
        }
        s += "<rect class=\"quiet\" x=\"\(fmt(x(t.quiet.0)))\" y=\"0\" width=\"\(fmt(max(1, x(t.quiet.1) - x(t.quiet.0))))\" height=\"70\"><title>primary quiet \(time(t.quiet.0)) to \(time(t.quiet.1))</title></rect>"
        s += "<line class=\"axis\" x1=\"\(left)\" y1=\"70\" x2=\"\(width - right)\" y2=\"70\"/>"
        for p in t.primary {
            s += "<circle class=\"\(p.succeeded ? "primary" : "failed")\" cx=\"\(fmt(x(p.time)))\" cy=\"22\" r=\"3\"><title>primary session \(time(p.time))\(p.succeeded ? "" : " (failed)")</title></circle>"
        }
        for f in t.fallback {
            s += "<rect class=\"fallback\" x=\"\(fmt(x(f.time) - 1.5))\" y=\"40\" width=\"3\" height=\"16\"><title>fallback flow \(time(f.time)) \(escape(f.communityID))</title></rect>"
        }
        s += "<text class=\"label\" x=\"\(left)\" y=\"84\">\(time(t.start))</text><text class=\"label\" x=\"\(width - right)\" y=\"84\" text-anchor=\"end\">\(time(t.end))</text>"
        return s + "</svg><p class=\"muted\">green: primary sessions (red: failed); orange: the quiet gap; purple: fallback flows; grey: host asleep; blue: host-wide path change (VPN, network loss)</p>"
    }

    static func fmt(_ v: Double) -> String { String(Double(Int(v * 10)) / 10) }

    static func coverageSection(_ c: CoverageReport) -> String {
        var rows: [(String, CoverageReport.Tally)] = CoverageReport.EgressClass.allCases.map { ("direct " + $0.rawValue, c.direct[$0]?.total ?? .init()) }
        rows += [("via proxy", c.viaProxy), ("encrypted DNS to public resolvers", c.encryptedDNS.total), ("plain DNS to unapproved servers", c.unapprovedDNS.total),
                 ("no visible lookup, named", c.unresolvedNamed.total), ("no visible lookup, bare address", c.unresolvedUnnamed.total),
                 ("unattributed", c.unattributed.total)]
        let most = max(1, rows.map(\.1.bytes).max() ?? 1)
        var h = "<section id=\"coverage\"><h2>Coverage: \(c.egress.flows) egress flows, \(c.egress.bytes) bytes</h2>"
        h += "<svg class=\"bars\" width=\"1000\" height=\"\(rows.count * 22 + 4)\" role=\"img\"><title>blind spots by bytes</title>"
        for (k, (name, t)) in rows.enumerated() {
            let w = Double(t.bytes) / Double(most) * 600
            h += "<text class=\"label\" x=\"0\" y=\"\(k * 22 + 15)\">\(escape(name))</text>"
            h += "<rect class=\"bar\" x=\"260\" y=\"\(k * 22 + 4)\" width=\"\(fmt(max(w, t.bytes > 0 ? 1 : 0)))\" height=\"14\"><title>\(escape(name)): \(t.flows) flows, \(t.bytes) bytes</title></rect>"
            h += "<text class=\"label\" x=\"\(fmt(266 + w))\" y=\"\(k * 22 + 15)\">\(t.flows) flows, \(t.bytes) B</text>"
        }
        h += "</svg>"
        h += "<table><tr><th>unattributed destinations</th><th>flows</th><th>bytes</th></tr>"
        for d in c.unattributed.destinations { h += "<tr><td>\(escape(d.name))</td><td>\(d.tally.flows)</td><td>\(d.tally.bytes)</td></tr>" }
        h += "</table>"
        if !c.inventoryAgentsUnseen.isEmpty {
            h += "<p>inventory agents never seen on the wire: \(escape(c.inventoryAgentsUnseen.map { "\($0.label) on \($0.host)" }.joined(separator: ", ")))</p>"
        }
        if !c.hostsWithoutFeed.isEmpty {
            h += "<p>addresses with egress but no feed: \(escape(c.hostsWithoutFeed.map(\.address).joined(separator: ", ")))</p>"
        }
        return h + "</section>\n"
    }
}

import Attribution
import Detection
import SensorCore

/// Writes alerts as `alerts.ndjson`: one ECS-shaped JSON object per line (README "alerts.ndjson"),
/// with QuietWire's own fields under `quietwire.*`. Strings from the wire and the feeds are
/// JSON-escaped.
public enum AlertWriter {
    /// RFC 3339 UTC with microseconds: 2026-11-29T10:00:00.123456Z.
    static func appendTime(_ t: Timestamp, to out: OutputBuffer) {
        let days = t.seconds >= 0 ? t.seconds / 86_400 : (t.seconds - 86_399) / 86_400
        let secondsOfDay = t.seconds - days * 86_400
        let (y, m, d) = ZeekLogFile.civil(fromDays: days)
        out.append(UInt8(ascii: "\""))
        out.appendPadded(y, width: 4); out.append(UInt8(ascii: "-"))
        out.appendPadded(m, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(d, width: 2); out.append(UInt8(ascii: "T"))
        out.appendPadded(secondsOfDay / 3600, width: 2); out.append(UInt8(ascii: ":"))
        out.appendPadded(secondsOfDay / 60 % 60, width: 2); out.append(UInt8(ascii: ":"))
        out.appendPadded(secondsOfDay % 60, width: 2); out.append(UInt8(ascii: "."))
        out.appendPadded(t.subsecondNanoseconds / 1000, width: 6)
        out.append("Z\"" as StaticString)
    }

    static func channel(_ c: ChannelKey, to out: OutputBuffer) {
        out.append("{\"destination\":" as StaticString); JSONText.appendString(c.destination, to: out)
        out.append(",\"transport\":\"" as StaticString); out.append(c.transport)
        out.append("\",\"port\":" as StaticString); out.appendDecimal(c.port)
        out.append(",\"protocol\":" as StaticString); JSONText.appendString(c.proto, to: out)
    }

    /// One alert as a line.
    public static func line(_ a: Alert) -> String {
        let out = OutputBuffer(descriptor: nil)
        let first = a.flows.first
        func text(_ key: StaticString, _ s: String?) {
            guard let s else { return }
            out.append(key)
            JSONText.appendString(s, to: out)
        }
        out.append("{\"@timestamp\":" as StaticString); appendTime(a.start, to: out)
        out.append(",\"event.start\":" as StaticString); appendTime(a.start, to: out)
        out.append(",\"event.kind\":\"alert\",\"event.category\":[\"network\",\"intrusion_detection\"]" as StaticString)
        out.append(",\"event.id\":\"" as StaticString); out.append(a.id); out.append(UInt8(ascii: "\""))
        out.append(",\"event.severity\":" as StaticString); out.appendDecimal(a.severity)
        out.append(",\"event.risk_score\":" as StaticString); out.appendDecimal(a.riskScore)
        out.append(",\"rule.id\":\"QW-AN1378-FALLBACK\",\"rule.name\":\"Background agent fell back to an unusual channel after its primary went quiet or failed\"" as StaticString)
        text(",\"message\":", a.message)
        text(",\"host.id\":", a.agent.host)
        text(",\"host.name\":", a.agent.host)
        if let f = first {
            out.append(",\"host.ip\":[\"" as StaticString); out.append(f.connection.originator); out.append("\"]" as StaticString)
        }
        if let p = a.attribution.process {
            out.append(",\"process.pid\":" as StaticString); out.appendDecimal(p.pid)
            text(",\"process.executable\":", p.executable)
            text(",\"process.name\":", p.name)
            text(",\"process.code_signature.team_id\":", p.teamID)
        }
        text(",\"quietwire.agent.label\":", a.agent.label)
        text(",\"quietwire.agent.plist\":", a.job?.plistPath)
        if let s = a.job?.startInterval { out.append(",\"quietwire.agent.start_interval\":" as StaticString); out.appendDecimal(s) }
        out.append(",\"quietwire.score\":" as StaticString); out.append(String(a.score))
        out.append(",\"quietwire.reasons\":[" as StaticString)
        for (k, r) in a.reasons.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"code\":" as StaticString); JSONText.appendString(r.code, to: out)
            out.append(",\"weight\":" as StaticString); out.append(String(r.weight))
            out.append(",\"detail\":" as StaticString); JSONText.appendString(r.detail, to: out); out.append(UInt8(ascii: "}"))
        }
        out.append("],\"quietwire.primary\":" as StaticString); channel(a.primary, to: out)
        out.append(",\"typical_interval\":" as StaticString); out.append(String(a.primaryInterval))
        out.append(a.primaryPeriodic ? ",\"periodic\":true" as StaticString : ",\"periodic\":false" as StaticString)
        out.append(",\"last_seen\":" as StaticString); appendTime(a.primaryLastSeen, to: out); out.append(UInt8(ascii: "}"))
        out.append(",\"quietwire.fallback\":" as StaticString); channel(a.fallback, to: out); out.append(UInt8(ascii: "}"))
        out.append(",\"quietwire.quiet_seconds\":" as StaticString); out.append(String(a.quietSeconds))
        out.append(",\"quietwire.evidence_complete\":" as StaticString); appendTime(a.evidenceComplete, to: out)
        out.append(",\"quietwire.attribution\":{\"method\":\"" as StaticString); out.append(a.attribution.method.rawValue)
        out.append("\",\"source\":" as StaticString); JSONText.appendString(a.attribution.source ?? "", to: out)
        out.append(",\"confidence\":" as StaticString); out.append(String(a.attribution.confidence)); out.append(UInt8(ascii: "}"))
        if let f = first {
            out.append(",\"destination.ip\":\"" as StaticString); out.append(f.connection.responder)
            out.append("\",\"destination.port\":" as StaticString); out.appendDecimal(f.connection.responderPort)
            if !a.fallback.isAddress { text(",\"destination.domain\":", f.serverName ?? f.resolvedName) }
            out.append(",\"network.transport\":\"" as StaticString); out.append(f.transportName); out.append(UInt8(ascii: "\""))
            text(",\"network.protocol\":", a.fallback.proto)
            out.append(",\"network.community_id\":[" as StaticString)
            for (k, flow) in a.flows.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\"")); out.append(flow.communityID); out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(",\"threat.framework\":\"MITRE ATT&CK\",\"threat.technique.id\":[" as StaticString)
        out.append(a.techniques.map { "\"\($0)\"" }.joined(separator: ","))
        out.append("]}" as StaticString)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}

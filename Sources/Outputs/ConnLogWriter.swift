import Attribution
import Flows
import SensorCore

/// Writes conn.log (Zeek's columns plus `community_id`, `resolved_name` and `server_name`) as
/// Zeek TSV or JSON lines. Rows are written straight into the buffer: this is the busiest log.
/// With endpoint feeds, the attribution columns follow (`attributionFields`).
public final class ConnLogWriter {
    public let log: ZeekLogFile
    /// The log's buffer, held here so each use is not a retain and release.
    private let out: OutputBuffer
    public var format: ZeekLogFormat { log.format }
    /// Rows written.
    public var rows: Int { log.rows }

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
                         "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp",
                         "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes",
                         "tunnel_parents", "ip_proto", "community_id", "resolved_name", "server_name",
                         "orig_entropy", "port_service"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count",
                        "count", "string", "bool", "bool", "count", "string", "count", "count", "count", "count",
                        "set[string]", "count", "string", "string", "string", "double", "string"]

    /// Who owned the flow on the endpoint (`Attribution`), with ECS names where ECS has one.
    static let attributionFields = ["host.id", "process.pid", "process.parent.pid", "process.executable", "process.name",
                                    "user.name", "process.code_signature.team_id", "process.code_signature.signing_id",
                                    "quietwire.agent.label", "quietwire.agent.method", "attribution.method",
                                    "attribution.source", "attribution.confidence", "attribution.skew"]
    static let attributionTypes = ["string", "count", "count", "string", "string", "string", "string", "string", "string",
                                   "string", "string", "string", "double", "interval"]

    /// True when rows carry the attribution columns.
    public let attributed: Bool

    /// A writer to `path` (created or truncated); `name` is the log's `#path` (conn, or
    /// conn_long for the interim records of long-lived flows); `attributed` adds the attribution columns.
    public init(path: String, name: String = "conn", format: ZeekLogFormat, attributed: Bool = false) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: name, fields: ConnLogWriter.fields + (attributed ? ConnLogWriter.attributionFields : []),
                              types: ConnLogWriter.types + (attributed ? ConnLogWriter.attributionTypes : []), format: format)
        out = log.out
        self.attributed = attributed
    }

    /// A writer into memory (tests); read it with `text`.
    public init(name: String = "conn", format: ZeekLogFormat, attributed: Bool = false) {
        log = ZeekLogFile(name: name, fields: ConnLogWriter.fields + (attributed ? ConnLogWriter.attributionFields : []),
                          types: ConnLogWriter.types + (attributed ? ConnLogWriter.attributionTypes : []), format: format)
        out = log.out
        self.attributed = attributed
    }

    /// What was written, for an in-memory writer.
    public var text: String { log.text }

    /// Writes one row; `attribution` fills the attribution columns of an attributed log (none when nil).
    public func write(_ r: FlowRecord, attribution: Attribution? = nil) {
        log.beginRow(r.start, through: r.end)
        // The attribution stays optional until an attributed log needs its columns: making a
        // `.none` for every row of a plain log was a copy of a few hundred bytes.
        format == .tsv ? writeTSV(r, attribution) : writeJSON(r, attribution)
        log.endRow()
    }

    /// Writes the `#close` line (TSV) and flushes; closes the file.
    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }

    private func appendMicros(_ nanoseconds: Int64) { log.appendMicros(nanoseconds) }

    private func appendHundredths(_ v: Double) { log.appendHundredths(v) }

    private func writeTSV(_ r: FlowRecord, _ a: Attribution?) {
        let tab = UInt8(ascii: "\t")
        let hasDuration = r.end > r.start
        appendMicros(r.start.nanoseconds); out.append(tab)
        ZeekTSV.appendEscaped(r.connection.uid.utf8, to: out); out.append(tab)
        out.append(r.connection.originator); out.append(tab)
        out.appendDecimal(r.connection.originatorPort); out.append(tab)
        out.append(r.connection.responder); out.append(tab)
        out.appendDecimal(r.connection.responderPort); out.append(tab)
        out.append(r.transportName); out.append(tab)
        if r.service.isEmpty { out.append(UInt8(ascii: "-")) } else { ZeekTSV.appendEscaped(r.service.joined(separator: ",").utf8, to: out) }
        out.append(tab)
        if hasDuration { appendMicros(r.end.nanoseconds(since: r.start)) } else { out.append(UInt8(ascii: "-")) }
        out.append(tab)
        if hasDuration { out.appendDecimal(r.originatorBytes) } else { out.append(UInt8(ascii: "-")) }
        out.append(tab)
        if hasDuration { out.appendDecimal(r.responderBytes) } else { out.append(UInt8(ascii: "-")) }
        out.append(tab)
        out.append(r.connState); out.append(tab)
        out.append(UInt8(ascii: r.localOriginator ? "T" : "F")); out.append(tab)
        out.append(UInt8(ascii: r.localResponder ? "T" : "F")); out.append(tab)
        out.appendDecimal(r.missedBytes); out.append(tab)
        if r.history.isEmpty { out.append(UInt8(ascii: "-")) } else { ZeekTSV.appendEscaped(r.history.utf8, to: out) }
        out.append(tab)
        out.appendDecimal(r.originatorPackets); out.append(tab)
        out.appendDecimal(r.originatorIPBytes); out.append(tab)
        out.appendDecimal(r.responderPackets); out.append(tab)
        out.appendDecimal(r.responderIPBytes); out.append(tab)
        if r.tunnelParents.isEmpty { out.append(UInt8(ascii: "-")) } else { ZeekTSV.appendEscaped(r.tunnelParents.joined(separator: ",").utf8, to: out) }
        out.append(tab)
        out.appendDecimal(r.connection.proto); out.append(tab)
        out.append(r.communityID)
        out.append(tab)
        if let name = r.resolvedName { ZeekTSV.appendEscaped(name.utf8, to: out) } else { out.append(UInt8(ascii: "-")) }
        out.append(tab)
        if let name = r.serverName { ZeekTSV.appendEscaped(name.utf8, to: out) } else { out.append(UInt8(ascii: "-")) }
        out.append(tab)
        if let e = r.originatorEntropy { appendHundredths(e) } else { out.append(UInt8(ascii: "-")) }
        out.append(tab)
        if let p = r.portService { out.append(p) } else { out.append(UInt8(ascii: "-")) }
        if attributed { writeAttributionTSV(a ?? .none) }
        out.append(UInt8(ascii: "\n"))
    }

    private func writeAttributionTSV(_ a: Attribution) {
        let tab = UInt8(ascii: "\t")
        func text(_ s: String?) {
            out.append(tab)
            if let s, !s.isEmpty { ZeekTSV.appendEscaped(s.utf8, to: out) } else { out.append(UInt8(ascii: "-")) }
        }
        func number(_ n: Int32?) {
            out.append(tab)
            if let n { out.appendDecimal(n) } else { out.append(UInt8(ascii: "-")) }
        }
        text(a.hostID)
        number(a.process?.pid)
        number(a.process?.ppid)
        text(a.process?.executable)
        text(a.process?.name)
        text(a.process?.user)
        text(a.process?.teamID)
        text(a.process?.signingID)
        text(a.agent?.label)
        text(a.agentMethod?.rawValue)
        text(a.method.rawValue)
        text(a.source)
        out.append(tab)
        appendHundredths(a.confidence)
        out.append(tab)
        if let skew = a.skew, let ns = Self.nanoseconds(skew) { appendMicros(ns) } else { out.append(UInt8(ascii: "-")) }
    }

    private func writeAttributionJSON(_ a: Attribution) {
        func text(_ key: StaticString, _ s: String?) {
            guard let s, !s.isEmpty else { return }
            out.append(key)
            JSONText.appendString(s, to: out)
        }
        func number(_ key: StaticString, _ n: Int32?) {
            guard let n else { return }
            out.append(key)
            out.appendDecimal(n)
        }
        text(",\"host.id\":", a.hostID)
        number(",\"process.pid\":", a.process?.pid)
        number(",\"process.parent.pid\":", a.process?.ppid)
        text(",\"process.executable\":", a.process?.executable)
        text(",\"process.name\":", a.process?.name)
        text(",\"user.name\":", a.process?.user)
        text(",\"process.code_signature.team_id\":", a.process?.teamID)
        text(",\"process.code_signature.signing_id\":", a.process?.signingID)
        text(",\"quietwire.agent.label\":", a.agent?.label)
        text(",\"quietwire.agent.method\":", a.agentMethod?.rawValue)
        text(",\"attribution.method\":", a.method.rawValue)
        text(",\"attribution.source\":", a.source)
        out.append(",\"attribution.confidence\":" as StaticString)
        appendHundredths(a.confidence)
        if let skew = a.skew, let ns = Self.nanoseconds(skew) {
            out.append(",\"attribution.skew\":" as StaticString)
            appendMicros(ns)
        }
    }

    /// Seconds as nanoseconds, nil when not finite or past ±292 years.
    static func nanoseconds(_ seconds: Double) -> Int64? {
        let ns = (seconds * 1e9).rounded()
        return ns.isFinite && abs(ns) < 9.2e18 ? Int64(ns) : nil
    }

    private func writeJSON(_ r: FlowRecord, _ a: Attribution?) {
        let hasDuration = r.end > r.start
        out.append("{\"ts\":" as StaticString); appendMicros(r.start.nanoseconds)
        out.append(",\"uid\":" as StaticString); JSONText.appendString(r.connection.uid, to: out)
        out.append(",\"id.orig_h\":\"" as StaticString); out.append(r.connection.originator)
        out.append("\",\"id.orig_p\":" as StaticString); out.appendDecimal(r.connection.originatorPort)
        out.append(",\"id.resp_h\":\"" as StaticString); out.append(r.connection.responder)
        out.append("\",\"id.resp_p\":" as StaticString); out.appendDecimal(r.connection.responderPort)
        out.append(",\"proto\":\"" as StaticString); out.append(r.transportName); out.append(UInt8(ascii: "\""))
        if !r.service.isEmpty {
            out.append(",\"service\":" as StaticString); JSONText.appendString(r.service.joined(separator: ","), to: out)
        }
        if hasDuration {
            out.append(",\"duration\":" as StaticString); appendMicros(r.end.nanoseconds(since: r.start))
            out.append(",\"orig_bytes\":" as StaticString); out.appendDecimal(r.originatorBytes)
            out.append(",\"resp_bytes\":" as StaticString); out.appendDecimal(r.responderBytes)
        }
        out.append(",\"conn_state\":\"" as StaticString); out.append(r.connState)
        out.append("\",\"local_orig\":" as StaticString); out.append(r.localOriginator ? "true" : "false")
        out.append(",\"local_resp\":" as StaticString); out.append(r.localResponder ? "true" : "false")
        out.append(",\"missed_bytes\":" as StaticString); out.appendDecimal(r.missedBytes)
        if !r.history.isEmpty { out.append(",\"history\":" as StaticString); JSONText.appendString(r.history, to: out) }
        out.append(",\"orig_pkts\":" as StaticString); out.appendDecimal(r.originatorPackets)
        out.append(",\"orig_ip_bytes\":" as StaticString); out.appendDecimal(r.originatorIPBytes)
        out.append(",\"resp_pkts\":" as StaticString); out.appendDecimal(r.responderPackets)
        out.append(",\"resp_ip_bytes\":" as StaticString); out.appendDecimal(r.responderIPBytes)
        if !r.tunnelParents.isEmpty {
            out.append(",\"tunnel_parents\":[" as StaticString)
            for (k, parent) in r.tunnelParents.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(parent, to: out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(",\"ip_proto\":" as StaticString); out.appendDecimal(r.connection.proto)
        out.append(",\"community_id\":\"" as StaticString); out.append(r.communityID)
        out.append(UInt8(ascii: "\""))
        if let name = r.resolvedName { out.append(",\"resolved_name\":" as StaticString); JSONText.appendString(name, to: out) }
        if let name = r.serverName { out.append(",\"server_name\":" as StaticString); JSONText.appendString(name, to: out) }
        if let e = r.originatorEntropy { out.append(",\"orig_entropy\":" as StaticString); appendHundredths(e) }
        if let p = r.portService { out.append(",\"port_service\":\"" as StaticString); out.append(p); out.append(UInt8(ascii: "\"")) }
        if attributed { writeAttributionJSON(a ?? .none) }
        out.append("}\n" as StaticString)
    }
}

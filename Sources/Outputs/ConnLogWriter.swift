import Flows
import SensorCore

/// Writes conn.log (Zeek's columns plus `community_id`, `resolved_name` and `server_name`) as
/// Zeek TSV or JSON lines. Rows are written straight into the buffer: this is the busiest log.
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

    /// A writer to `path` (created or truncated); `name` is the log's `#path` (conn, or
    /// conn_long for the interim records of long-lived flows).
    public init(path: String, name: String = "conn", format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: name, fields: ConnLogWriter.fields, types: ConnLogWriter.types, format: format)
        out = log.out
    }

    /// A writer into memory (tests); read it with `text`.
    public init(name: String = "conn", format: ZeekLogFormat) {
        log = ZeekLogFile(name: name, fields: ConnLogWriter.fields, types: ConnLogWriter.types, format: format)
        out = log.out
    }

    /// What was written, for an in-memory writer.
    public var text: String { log.text }

    public func write(_ r: FlowRecord) {
        log.beginRow(r.start, through: r.end)
        format == .tsv ? writeTSV(r) : writeJSON(r)
        log.endRow()
    }

    /// Writes the `#close` line (TSV) and flushes; closes the file.
    public func close() { log.close() }

    private func appendMicros(_ nanoseconds: Int64) { log.appendMicros(nanoseconds) }

    private func appendHundredths(_ v: Double) { log.appendHundredths(v) }

    private func writeTSV(_ r: FlowRecord) {
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
        out.append(UInt8(ascii: "\n"))
    }

    private func writeJSON(_ r: FlowRecord) {
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
        out.append("}\n" as StaticString)
    }
}

import Flows
import SensorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes conn.log (Zeek's columns plus `community_id`) as Zeek TSV or JSON lines.
public final class ConnLogWriter {
    public let format: ZeekLogFormat
    private let out: OutputBuffer
    private var wroteHeader = false
    private let descriptor: Int32?
    private var lastTimestamp: Timestamp = .zero
    /// Rows written.
    public private(set) var rows = 0

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
                         "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp",
                         "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes",
                         "tunnel_parents", "ip_proto", "community_id", "resolved_name", "server_name"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count",
                        "count", "string", "bool", "bool", "count", "string", "count", "count", "count", "count",
                        "set[string]", "count", "string", "string", "string"]

    /// A writer to `path` (created or truncated).
    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        self.descriptor = fd
        self.format = format
        self.out = OutputBuffer(descriptor: fd)
    }

    /// A writer into memory (tests); read it with `text`.
    public init(format: ZeekLogFormat) {
        self.descriptor = nil
        self.format = format
        self.out = OutputBuffer(descriptor: nil)
    }

    /// What was written, for an in-memory writer.
    public var text: String { String(decoding: out.bytes, as: UTF8.self) }

    public func write(_ r: FlowRecord) {
        if !wroteHeader && format == .tsv { writeHeader(opened: r.start) }
        wroteHeader = true
        if r.end > lastTimestamp { lastTimestamp = r.end }
        rows += 1
        format == .tsv ? writeTSV(r) : writeJSON(r)
        out.flushIfFull()
    }

    /// Writes the `#close` line (TSV) and flushes; closes the file.
    public func close() {
        if format == .tsv {
            if !wroteHeader { writeHeader(opened: lastTimestamp) }
            out.append("#close\t" as StaticString)
            appendZeekDate(lastTimestamp)
            out.append(UInt8(ascii: "\n"))
        }
        out.flush()
        if let descriptor { _ = closeDescriptor(descriptor) }
    }

    private func writeHeader(opened: Timestamp) {
        out.append("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t" as StaticString)
        appendZeekDate(opened)
        out.append("\n#fields\t" as StaticString)
        out.append(ConnLogWriter.fields.joined(separator: "\t"))
        out.append("\n#types\t" as StaticString)
        out.append(ConnLogWriter.types.joined(separator: "\t"))
        out.append(UInt8(ascii: "\n"))
    }

    /// Zeek's `#open`/`#close` stamp, YYYY-MM-DD-HH-MM-SS in UTC; packet time keeps runs reproducible.
    private func appendZeekDate(_ t: Timestamp) {
        let days = t.seconds >= 0 ? t.seconds / 86_400 : (t.seconds - 86_399) / 86_400
        let secondsOfDay = t.seconds - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        out.appendSigned(y); out.append(UInt8(ascii: "-"))
        out.appendPadded(m, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(d, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(secondsOfDay / 3600, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(secondsOfDay / 60 % 60, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(secondsOfDay % 60, width: 2)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's public-domain algorithm).
    private func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Seconds with six decimals, as Zeek writes `time` and `interval`.
    private func appendMicros(_ nanoseconds: Int64) {
        // Round to microseconds by quotient and remainder: no addition can overflow at the extremes.
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1000)
        var micros = q
        if r >= 500 && micros < Int64.max { micros += 1 } else if r <= -500 && micros > Int64.min { micros -= 1 }
        let (seconds, fraction) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let whole = fraction < 0 ? seconds - 1 : seconds
        out.appendSigned(whole)
        out.append(UInt8(ascii: "."))
        out.appendPadded(fraction < 0 ? fraction + 1_000_000 : fraction, width: 6)
    }

    private func writeTSV(_ r: FlowRecord) {
        let tab = UInt8(ascii: "\t")
        let hasDuration = r.end > r.start
        appendMicros(r.start.nanoseconds); out.append(tab)
        ZeekTSV.appendEscaped(r.uid.utf8, to: out); out.append(tab)
        out.append(r.originator); out.append(tab)
        out.appendDecimal(r.originatorPort); out.append(tab)
        out.append(r.responder); out.append(tab)
        out.appendDecimal(r.responderPort); out.append(tab)
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
        out.append(UInt8(ascii: "-")); out.append(tab)  // tunnel_parents: not tracked yet
        out.appendDecimal(r.proto); out.append(tab)
        out.append(r.communityID)
        out.append(tab)
        if let name = r.resolvedName { ZeekTSV.appendEscaped(name.utf8, to: out) } else { out.append(UInt8(ascii: "-")) }
        out.append(tab)
        if let name = r.serverName { ZeekTSV.appendEscaped(name.utf8, to: out) } else { out.append(UInt8(ascii: "-")) }
        out.append(UInt8(ascii: "\n"))
    }

    private func writeJSON(_ r: FlowRecord) {
        let hasDuration = r.end > r.start
        out.append("{\"ts\":" as StaticString); appendMicros(r.start.nanoseconds)
        out.append(",\"uid\":" as StaticString); JSONText.appendString(r.uid, to: out)
        out.append(",\"id.orig_h\":\"" as StaticString); out.append(r.originator)
        out.append("\",\"id.orig_p\":" as StaticString); out.appendDecimal(r.originatorPort)
        out.append(",\"id.resp_h\":\"" as StaticString); out.append(r.responder)
        out.append("\",\"id.resp_p\":" as StaticString); out.appendDecimal(r.responderPort)
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
        out.append(",\"ip_proto\":" as StaticString); out.appendDecimal(r.proto)
        out.append(",\"community_id\":\"" as StaticString); out.append(r.communityID)
        out.append(UInt8(ascii: "\""))
        if let name = r.resolvedName { out.append(",\"resolved_name\":" as StaticString); JSONText.appendString(name, to: out) }
        if let name = r.serverName { out.append(",\"server_name\":" as StaticString); JSONText.appendString(name, to: out) }
        out.append("}\n" as StaticString)
    }
}

@inline(__always)
private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

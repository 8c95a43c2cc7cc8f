import Flows
import SensorCore

/// Writes dns.log: Zeek's columns (scripts/base/protocols/dns/main.zeek, with `opcode`), one
/// row per DNS transaction. TSV rows are written straight into the buffer (a DNS-heavy capture
/// has a row for every few packets); JSON goes through `ZeekValue`s.
public final class DNSLogWriter {
    public let log: ZeekLogFile
    /// The log's buffer, held here so each use is not a retain and release.
    private let out: OutputBuffer

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "rtt",
                         "query", "qclass", "qclass_name", "qtype", "qtype_name", "rcode", "rcode_name",
                         "AA", "TC", "RD", "RA", "Z", "answers", "TTLs", "rejected", "opcode", "opcode_name"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "interval",
                        "string", "count", "string", "count", "string", "count", "string",
                        "bool", "bool", "bool", "bool", "count", "vector[string]", "vector[interval]", "bool", "count", "string"]

    /// A writer to `path` (created or truncated).
    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "dns", fields: DNSLogWriter.fields, types: DNSLogWriter.types, format: format)
        out = log.out
    }

    /// A writer into memory (tests); read it with `log.text`.
    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "dns", fields: DNSLogWriter.fields, types: DNSLogWriter.types, format: format)
        out = log.out
    }

    public var rows: Int { log.rows }

    public func write(_ t: DNSTransaction) {
        guard log.format == .tsv else { writeValues(t); return }
        log.beginRow(t.start)
        writeTSV(t)
        log.endRow()
    }

    private func writeTSV(_ t: DNSTransaction) {
        let tab = UInt8(ascii: "\t"), unset = UInt8(ascii: "-")
        let c = t.connection
        log.appendMicros(t.start.nanoseconds); out.append(tab)
        ZeekTSV.appendEscaped(c.uid.utf8, to: out); out.append(tab)
        out.append(c.originator); out.append(tab)
        out.appendDecimal(c.originatorPort); out.append(tab)
        out.append(c.responder); out.append(tab)
        out.appendDecimal(c.responderPort); out.append(tab)
        out.append(c.proto == 6 ? "tcp" as StaticString : "udp" as StaticString); out.append(tab)
        out.appendDecimal(t.transactionID); out.append(tab)
        if let rtt = t.rtt { log.appendMicros(rtt) } else { out.append(unset) }
        out.append(tab)
        if let query = t.query { ZeekTSV.appendEscaped(query, to: out) } else { out.append(unset) }
        out.append(tab)
        appendCode(t.qclass, named: DNSTransaction.className); out.append(tab)
        appendCode(t.qtype) { DNSLogWriter.typeName($0, port: c.responderPort) }; out.append(tab)
        appendCode(t.rcode, named: DNSTransaction.rcodeName); out.append(tab)
        out.append(UInt8(ascii: t.authoritative ? "T" : "F")); out.append(tab)
        out.append(UInt8(ascii: t.truncated ? "T" : "F")); out.append(tab)
        out.append(UInt8(ascii: t.recursionDesired ? "T" : "F")); out.append(tab)
        out.append(UInt8(ascii: t.recursionAvailable ? "T" : "F")); out.append(tab)
        out.appendDecimal(t.z); out.append(tab)
        if let answers = t.answers {
            if answers.isEmpty { out.append("(empty)" as StaticString) }
            for k in answers.indices {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                ZeekTSV.appendEscaped(answers[k], inSet: true, to: out)
            }
        } else {
            out.append(unset)
        }
        out.append(tab)
        if let ttls = t.ttls {
            if ttls.isEmpty { out.append("(empty)" as StaticString) }
            for k in ttls.indices {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                log.appendMicros(Int64(ttls[k]) * 1_000_000_000)
            }
        } else {
            out.append(unset)
        }
        out.append(tab)
        out.append(UInt8(ascii: t.rejected ? "T" : "F")); out.append(tab)
        out.appendDecimal(t.opcode); out.append(tab)
        ZeekTSV.appendEscaped(DNSTransaction.opcodeName(t.opcode).utf8, to: out)
        out.append(UInt8(ascii: "\n"))
    }

    /// A code's column and its name's column, or two unset ones.
    private func appendCode(_ code: UInt16?, named name: (UInt16) -> String) {
        guard let code else { out.append("-\t-" as StaticString); return }
        out.appendDecimal(code)
        out.append(UInt8(ascii: "\t"))
        ZeekTSV.appendEscaped(name(code).utf8, to: out)
    }

    /// Zeek's name for a QTYPE; on port 137 (NetBIOS) type 33 is NBSTAT, not SRV.
    static func typeName(_ qtype: UInt16, port: UInt16) -> String {
        port == 137 && qtype == 33 ? "NBSTAT" : DNSTransaction.typeName(qtype)
    }

    private func writeValues(_ t: DNSTransaction) {
        log.write([.time(t.start)] + ZeekValue.connection(t.connection) + [ .text(t.connection.proto == 6 ? "tcp" : "udp"),
            .count(UInt64(t.transactionID)), .optional(t.rtt) { .interval($0) },
            .optional(t.query) { .string($0) },
            .optional(t.qclass) { .count(UInt64($0)) }, .optional(t.qclass) { .text(DNSTransaction.className($0)) },
            .optional(t.qtype) { .count(UInt64($0)) }, .optional(t.qtype) { .text(DNSLogWriter.typeName($0, port: t.connection.responderPort)) },
            .optional(t.rcode) { .count(UInt64($0)) }, .optional(t.rcode) { .text(DNSTransaction.rcodeName($0)) },
            .bool(t.authoritative), .bool(t.truncated), .bool(t.recursionDesired), .bool(t.recursionAvailable),
            .count(UInt64(t.z)), .optional(t.answers) { .strings($0) },
            .optional(t.ttls) { .intervals($0.map { Int64($0) * 1_000_000_000 }) },
            .bool(t.rejected), .count(UInt64(t.opcode)), .text(DNSTransaction.opcodeName(t.opcode)),
        ], at: t.start)
    }

    /// Writes the `#close` line (TSV) and flushes; closes the file.
    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }
}

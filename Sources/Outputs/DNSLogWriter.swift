import Flows
import SensorCore

/// Writes dns.log: Zeek's columns (scripts/base/protocols/dns/main.zeek, with `opcode`), one
/// row per DNS transaction.
public final class DNSLogWriter {
    public let log: ZeekLogFile

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "rtt",
                         "query", "qclass", "qclass_name", "qtype", "qtype_name", "rcode", "rcode_name",
                         "AA", "TC", "RD", "RA", "Z", "answers", "TTLs", "rejected", "opcode", "opcode_name"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "interval",
                        "string", "count", "string", "count", "string", "count", "string",
                        "bool", "bool", "bool", "bool", "count", "vector[string]", "vector[interval]", "bool", "count", "string"]

    /// A writer to `path` (created or truncated).
    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "dns", fields: DNSLogWriter.fields, types: DNSLogWriter.types, format: format)
    }

    /// A writer into memory (tests); read it with `log.text`.
    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "dns", fields: DNSLogWriter.fields, types: DNSLogWriter.types, format: format)
    }

    public var rows: Int { log.rows }

    public func write(_ t: DNSTransaction) {
        log.write([.time(t.start)] + ZeekValue.connection(t.connection) + [ .text(t.connection.proto == 6 ? "tcp" : "udp"),
            .count(UInt64(t.transactionID)), .optional(t.rtt) { .interval($0) },
            .optional(t.query) { .string($0) },
            .optional(t.qclass) { .count(UInt64($0)) }, .optional(t.qclass) { .text(DNSTransaction.className($0)) },
            .optional(t.qtype) { .count(UInt64($0)) }, .optional(t.qtype) { .text(t.connection.responderPort == 137 && $0 == 33 ? "NBSTAT" : DNSTransaction.typeName($0)) },
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

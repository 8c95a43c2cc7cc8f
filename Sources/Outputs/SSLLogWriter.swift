import AppProtocols
import Flows
import SensorCore

/// Writes ssl.log: Zeek's columns up to `ssl_history` (certificate columns are not computed),
/// then `ja3` and `ja4` as Zeek's packages name them, the client's ALPN list and ECH presence.
public final class SSLLogWriter {
    public let log: ZeekLogFile

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "cipher", "curve",
                         "server_name", "resumed", "last_alert", "next_protocol", "established", "ssl_history",
                         "ja3", "ja4", "client_alpn", "ech"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "string", "string", "string",
                        "string", "bool", "string", "string", "bool", "string",
                        "string", "string", "vector[string]", "bool"]

    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "ssl", fields: SSLLogWriter.fields, types: SSLLogWriter.types, format: format)
    }

    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "ssl", fields: SSLLogWriter.fields, types: SSLLogWriter.types, format: format)
    }

    public var rows: Int { log.rows }

    public func write(_ s: SSLSession) {
        log.write([.time(s.start)] + ZeekValue.connection(s.connection) + [
            .optional(s.version) { .text(TLSNames.version($0)) }, .optional(s.cipher) { .text(TLSCipherSuiteNames.name($0)) },
            .optional(s.curve) { .text(TLSNames.group($0)) }, .optional(s.serverName) { .string($0) },
            .bool(s.resumed), .optional(s.lastAlert) { .text(TLSNames.alert($0)) }, .optional(s.nextProtocol) { .string($0) },
            .bool(s.established), s.history.isEmpty ? .unset : .string(s.history),
            .optional(s.ja3) { .text($0) }, .optional(s.ja4) { .text($0) },
            s.clientALPN.isEmpty ? .unset : .strings(s.clientALPN), .bool(s.hasECH),
        ], at: s.start)
    }

    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }
}

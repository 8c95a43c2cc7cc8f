import Flows
import SensorCore

/// Writes ssh.log: Zeek's leading columns (version, client and server banners); the key
/// exchange and authentication columns are not computed.
public final class SSHLogWriter {
    public let log: ZeekLogFile

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "client", "server"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "count", "string", "string"]

    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "ssh", fields: SSHLogWriter.fields, types: SSHLogWriter.types, format: format)
    }

    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "ssh", fields: SSHLogWriter.fields, types: SSHLogWriter.types, format: format)
    }

    public var rows: Int { log.rows }

    public func write(_ s: SSHSession) {
        log.write([.time(s.start)] + ZeekValue.connection(s.connection) + [ .optional(s.version) { .count(UInt64($0)) },
            .optional(s.client) { .string($0) }, .optional(s.server) { .string($0) },
        ], at: s.start)
    }

    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }
}

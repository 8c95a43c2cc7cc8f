import Flows
import SensorCore

/// Writes http.log: Zeek's columns through `info_msg` (the file columns are not computed).
public final class HTTPLogWriter {
    public let log: ZeekLogFile

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "trans_depth", "method", "host", "uri",
                         "referrer", "version", "user_agent", "origin", "request_body_len", "response_body_len",
                         "status_code", "status_msg", "info_code", "info_msg"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "count", "string", "string", "string",
                        "string", "string", "string", "string", "count", "count",
                        "count", "string", "count", "string"]

    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "http", fields: HTTPLogWriter.fields, types: HTTPLogWriter.types, format: format)
    }

    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "http", fields: HTTPLogWriter.fields, types: HTTPLogWriter.types, format: format)
    }

    public var rows: Int { log.rows }

    public func write(_ t: HTTPTransaction) {
        let bytes: ([UInt8]) -> ZeekValue = { .string($0) }
        log.write([.time(t.start)] + ZeekValue.connection(t.connection) + [ .count(UInt64(t.depth)),
            .optional(t.method, bytes), .optional(t.host, bytes), .optional(t.uri, bytes), .optional(t.referrer, bytes),
            .optional(t.version, bytes), .optional(t.userAgent, bytes), .optional(t.origin, bytes),
            .count(t.requestBodyLength), .count(t.responseBodyLength),
            .optional(t.statusCode) { .count(UInt64($0)) }, .optional(t.statusMessage, bytes),
            .optional(t.infoCode) { .count(UInt64($0)) }, .optional(t.infoMessage, bytes),
        ], at: t.start)
    }

    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }
}

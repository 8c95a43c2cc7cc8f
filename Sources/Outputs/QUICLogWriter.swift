import Flows
import SensorCore

/// Writes quic.log: Zeek's columns (scripts/base/protocols/quic/main.zeek).
public final class QUICLogWriter {
    public let log: ZeekLogFile

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "client_initial_dcid",
                         "client_scid", "server_scid", "server_name", "client_protocol", "history"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "string", "string",
                        "string", "string", "string", "string", "string"]

    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "quic", fields: QUICLogWriter.fields, types: QUICLogWriter.types, format: format)
    }

    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "quic", fields: QUICLogWriter.fields, types: QUICLogWriter.types, format: format)
    }

    public var rows: Int { log.rows }

    public func write(_ q: QUICSession) {
        func hex(_ bytes: [UInt8]) -> ZeekValue {
            let digits = Array("0123456789abcdef".utf8)
            return .string(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
        }
        log.write([.time(q.start)] + ZeekValue.connection(q.connection) + [ .text(QUICSession.versionName(q.version)),
            .optional(q.clientInitialDCID, hex), .optional(q.clientSCID, hex), .optional(q.serverSCID, hex),
            .optional(q.serverName) { .string($0) }, .optional(q.clientProtocol) { .string($0) },
            .string(q.history),
        ], at: q.start)
    }

    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }
}

import Flows
import SensorCore

/// Writes icmp.log (QuietWire's own log, Zeek's framing): one row per ICMP echo flow with
/// its echo statistics.
public final class ICMPLogWriter {
    public let log: ZeekLogFile

    static let fields = ["ts", "uid", "id.orig_h", "id.resp_h", "echo_requests", "echo_replies", "request_bytes", "reply_bytes",
                         "payload_min", "payload_max", "payload_entropy", "replies_differing", "replies_unmatched"]
    static let types = ["time", "string", "addr", "addr", "count", "count", "count", "count",
                        "count", "count", "double", "count", "count"]

    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "icmp", fields: ICMPLogWriter.fields, types: ICMPLogWriter.types, format: format)
    }

    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "icmp", fields: ICMPLogWriter.fields, types: ICMPLogWriter.types, format: format)
    }

    public var rows: Int { log.rows }

    public func write(_ s: ICMPEchoSummary) {
        log.write([
            .time(s.start), .text(s.connection.uid), .address(s.connection.originator), .address(s.connection.responder),
            .count(s.requests), .count(s.replies), .count(s.requestBytes), .count(s.replyBytes),
            .optional(s.payloadMinimum) { .count(UInt64($0)) }, .optional(s.payloadMaximum) { .count(UInt64($0)) },
            .optional(s.meanEntropy) { .hundredths($0) }, .count(s.differingReplies), .count(s.unmatchedReplies),
        ], at: s.start)
    }

    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }
}

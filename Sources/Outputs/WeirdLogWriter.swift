import SensorCore

/// Writes weird.log: one row per malformed or unexpected packet (Zeek's columns), sampled as
/// Zeek samples them: the first `samplingThreshold` of each name, then one in
/// `samplingRate`. Every occurrence is counted in the decode summary either way.
public final class WeirdLogWriter {
    public let log: ZeekLogFile
    public static let samplingThreshold: UInt64 = 1000
    public static let samplingRate: UInt64 = 1000
    private var seen: [String: UInt64] = [:]

    static let fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "name", "addl", "notice", "peer", "source"]
    static let types = ["time", "string", "addr", "port", "addr", "port", "string", "string", "bool", "string", "string"]

    public init(path: String, format: ZeekLogFormat) throws(OutputError) {
        log = try ZeekLogFile(path: path, name: "weird", fields: WeirdLogWriter.fields, types: WeirdLogWriter.types, format: format)
    }

    public init(format: ZeekLogFormat) {
        log = ZeekLogFile(name: "weird", fields: WeirdLogWriter.fields, types: WeirdLogWriter.types, format: format)
    }

    public var rows: Int { log.rows }

    /// The packet endpoints a weird was seen between (source as originator), when known.
    public struct Endpoints {
        public var source: IPAddress
        public var sourcePort: UInt16?
        public var destination: IPAddress
        public var destinationPort: UInt16?

        public init(source: IPAddress, sourcePort: UInt16?, destination: IPAddress, destinationPort: UInt16?) {
            self.source = source
            self.sourcePort = sourcePort
            self.destination = destination
            self.destinationPort = destinationPort
        }
    }

    /// Records `weird` seen at `time`; written unless sampled out. `count` more than 1 goes to `addl`.
    public func note(_ weird: Weird, at time: Timestamp, uid: String?, endpoints: Endpoints?, count: Int) {
        let name = weird.name
        let n = (seen[name] ?? 0) &+ 1
        seen[name] = n
        guard n <= WeirdLogWriter.samplingThreshold || n % WeirdLogWriter.samplingRate == 0 else { return }
        let e = endpoints
        log.write([
            .time(time), .optional(uid) { .text($0) },
            .optional(e) { .address($0.source) }, .optional(e?.sourcePort) { .count(UInt64($0)) },
            .optional(e) { .address($0.destination) }, .optional(e?.destinationPort) { .count(UInt64($0)) },
            .text(name), count > 1 ? .text("\(count) weirds in the packet; the last is named") : .unset,
            .bool(false), .text("quietwire"), .text("decoder"),
        ], at: time)
    }

    public func close() { log.close() }
    /// Hands what is buffered to the file (between rows; the live sensor, once a second).
    public func flush() { log.flush() }
}

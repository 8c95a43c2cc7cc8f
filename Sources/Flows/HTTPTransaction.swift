import SensorCore

/// One HTTP/1.x request with its response, as an http.log row describes it (Zeek's
/// `HTTP::Info`, without the file columns).
public struct HTTPTransaction: Sendable, Equatable {
    /// Time of the request.
    public var start: Timestamp
    public var connection: ConnectionID
    /// 1 for the connection's first request, 2 for the next, ...
    public var depth: Int
    public var method: [UInt8]?
    public var host: [UInt8]?
    /// The request target: a path, an absolute URI (to a proxy), or host:port (CONNECT).
    public var uri: [UInt8]?
    public var referrer: [UInt8]?
    public var version: [UInt8]?
    public var userAgent: [UInt8]?
    public var origin: [UInt8]?
    /// Body bytes (after chunked framing is removed).
    public var requestBodyLength: UInt64 = 0
    public var responseBodyLength: UInt64 = 0
    public var statusCode: UInt16?
    public var statusMessage: [UInt8]?
    /// The last 1xx informational response before the final one.
    public var infoCode: UInt16?
    public var infoMessage: [UInt8]?
}

import SensorCore

/// A name lookup a process made, as an endpoint that can attribute DNS reports it.
public struct LookupRecord: Sendable, Equatable {
    public var time: Timestamp
    public var hostID: String
    public var pid: Int32?
    public var query: String
    public var answers: [IPAddress]
    public var source: String

    public init(time: Timestamp, hostID: String, pid: Int32?, query: String, answers: [IPAddress], source: String) {
        self.time = time
        self.hostID = hostID
        self.pid = pid
        self.query = query
        self.answers = answers
        self.source = source
    }
}

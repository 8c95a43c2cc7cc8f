import SensorCore

/// A process start (exec) on a host, for lineage: which parent started which child.
public struct ProcessRecord: Sendable, Equatable {
    public var time: Timestamp
    public var hostID: String
    public var process: ProcessIdentity
    public var source: String

    public init(time: Timestamp, hostID: String, process: ProcessIdentity, source: String) {
        self.time = time
        self.hostID = hostID
        self.process = process
        self.source = source
    }
}

import SensorCore

/// A host's name and the addresses it held, from `validFrom` until `validTo` (open-ended when nil).
public struct HostRecord: Sendable, Equatable {
    public var hostID: String
    public var name: String?
    public var addresses: [IPAddress]
    public var validFrom: Timestamp?
    public var validTo: Timestamp?
    public var source: String

    public init(hostID: String, name: String? = nil, addresses: [IPAddress], validFrom: Timestamp? = nil, validTo: Timestamp? = nil, source: String) {
        self.hostID = hostID
        self.name = name
        self.addresses = addresses
        self.validFrom = validFrom
        self.validTo = validTo
        self.source = source
    }
}

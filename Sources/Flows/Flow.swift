import SensorCore

/// One flow's state in the table (about 300 bytes; see FlowTable's memory note).
struct Flow {
    var key: FlowKey
    /// True when the originator is the key's low endpoint.
    var originatorIsLow: Bool
    var start: Timestamp
    var last: Timestamp
    var lastInterim: Timestamp
    var orig = FlowEndpoint()
    var resp = FlowEndpoint()
    var history = History()
    /// Services identified from each side's bytes, and tunnels this flow carries (`Service` bits).
    var origServices: UInt16 = 0
    var respServices: UInt16 = 0
    var tunnelServices: UInt16 = 0
    /// Payload packets examined for the service, per direction.
    var origPayloadsExamined: UInt8 = 0
    var respPayloadsExamined: UInt8 = 0
    var tunnelled = false
    /// For ICMP: originator's type and code, shown as conn.log ports.
    var uid: UInt64

    var originator: IPAddress { originatorIsLow ? key.lowAddress : key.highAddress }
    var responder: IPAddress { originatorIsLow ? key.highAddress : key.lowAddress }
    var originatorPort: UInt16 { originatorIsLow ? key.lowPort : key.highPort }
    var responderPort: UInt16 { originatorIsLow ? key.highPort : key.lowPort }
}

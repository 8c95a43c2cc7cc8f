import SensorCore

/// One flow's state in the table: 248 bytes, laid out so that small fields fill the
/// alignment gaps (FlowMemoryTests holds table memory per flow at or under 256 bytes).
struct Flow {
    var key: FlowKey
    /// Seconds after `start` of the last interim record.
    var lastInterimSeconds: UInt32 = 0
    /// The TLS server name the client sent (ClientHello over TCP or in a QUIC Initial; NameCache id).
    var serverNameID: UInt32 = 0
    var start: Timestamp
    var last: Timestamp
    var orig = FlowEndpoint()
    var resp = FlowEndpoint()
    var history = History()
    /// True when the originator is the key's low endpoint.
    var originatorIsLow: Bool
    var tunnelled = false
    /// Byte entropy of the originator's first payload, in 1/30 bits per byte (255: none yet).
    /// Fills the byte of padding before the service bits.
    var origEntropy: UInt8 = 255
    /// Services identified from each side's bytes, and tunnels this flow carries (`Service` bits).
    var origServices: UInt16 = 0
    var respServices: UInt16 = 0
    var tunnelServices: UInt16 = 0
    /// Payload packets examined for the service, per direction.
    var origPayloadsExamined: UInt8 = 0
    var respPayloadsExamined: UInt8 = 0
    /// The name the originator had resolved for the responder when the flow began (NameCache id).
    var nameID: UInt32 = 0

    init(key: FlowKey, originatorIsLow: Bool, start: Timestamp, last: Timestamp) {
        self.key = key
        self.originatorIsLow = originatorIsLow
        self.start = start
        self.last = last
    }

    var originator: IPAddress { originatorIsLow ? key.lowAddress : key.highAddress }
    var responder: IPAddress { originatorIsLow ? key.highAddress : key.lowAddress }
    var originatorPort: UInt16 { originatorIsLow ? key.lowPort : key.highPort }
    var responderPort: UInt16 { originatorIsLow ? key.highPort : key.lowPort }
}

/// Per-direction counters and TCP sequence state of a flow.
public struct FlowEndpoint: Sendable {
    public var packets: UInt64 = 0
    /// Sum of IP total lengths, in bytes.
    public var ipBytes: UInt64 = 0
    /// Payload bytes for UDP, ICMP and other protocols (TCP payload comes from sequence numbers).
    public var payloadBytes: UInt64 = 0
    public var state: EndpointState = .inactive
    var previousState: EndpointState = .inactive
    var seqInitialized = false
    /// Initial sequence number (or, seen mid-stream, one before the first byte).
    var startSeq: UInt32 = 0
    /// Highest relative sequence number sent, SYN and FIN counted.
    var lastSeq: UInt64 = 0
    /// Highest relative sequence number the peer acknowledged.
    var ackSeq: UInt64 = 0
    var finCount: UInt32 = 0
    /// Which once-only or seq-deduplicated history letters this side has recorded.
    var historyFlags: UInt16 = 0
    var lastSYN: UInt64 = .max
    var lastFIN: UInt64 = .max
    var lastRST: UInt64 = .max
    /// Thresholds for Zeek's logarithmic letters (c, t, w): next count that earns a letter.
    var checksumThreshold: UInt32 = 1
    var checksumCount: UInt32 = 0
    var retransmitThreshold: UInt32 = 1
    var retransmitCount: UInt32 = 0
    var zeroWindowThreshold: UInt32 = 1
    var zeroWindowCount: UInt32 = 0

    public init() {}

    /// Payload bytes for TCP, from sequence numbers as Zeek's `TCP_Endpoint::Size` computes them.
    var tcpSize: UInt64 {
        if previousState == .synSent && state == .reset && ackSeq == 0 { return 0 }
        var size = max(lastSeq, ackSeq)
        if size > 0 { size -= 1 }            // the SYN's octet (or the mid-stream stand-in)
        if finCount > 0 && size > 0 { size -= 1 }
        return size
    }
}

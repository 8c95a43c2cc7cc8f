/// Per-direction counters and TCP sequence state of a flow (72 bytes; see FlowMemoryTests).
public struct FlowEndpoint: Sendable {
    public var packets: UInt64 = 0
    /// Sum of IP total lengths, in bytes.
    public var ipBytes: UInt64 = 0
    /// Payload bytes for UDP, ICMP and other protocols (TCP payload comes from sequence numbers).
    public var payloadBytes: UInt64 = 0
    /// Initial sequence number (or, seen mid-stream, one before the first byte).
    var startSeq: UInt32 = 0
    /// Highest relative sequence number sent, SYN and FIN counted, unwrapped to 64 bits (each
    /// 32-bit number is placed at its signed distance from this mark, as Zeek does).
    var lastSeq: UInt64 = 0
    /// Highest relative sequence number the peer acknowledged (32-bit, unwrapped against `lastSeq`).
    var ackSeq: UInt32 = 0
    /// Relative sequence numbers of the last SYN, FIN and RST (for Zeek's repeat rule).
    var lastSYN: UInt32 = .max
    var lastFIN: UInt32 = .max
    var lastRST: UInt32 = .max
    /// Occurrences of bad checksums, retransmissions and zero windows (saturating: letters are
    /// recorded up to the 10,000th occurrence).
    var checksumCount: UInt16 = 0
    var retransmitCount: UInt16 = 0
    var zeroWindowCount: UInt16 = 0
    /// Which once-only or seq-deduplicated history letters this side has recorded.
    var historyFlags: UInt16 = 0
    var finCount: UInt16 = 0
    public var state: EndpointState = .inactive
    var previousState: EndpointState = .inactive
    var seqInitialized = false
    /// Decimal orders of magnitude already lettered for c, t and w (Zeek's logarithmic letters).
    var checksumLevel: UInt8 = 0
    var retransmitLevel: UInt8 = 0
    var zeroWindowLevel: UInt8 = 0

    public init() {}

    /// A 32-bit relative sequence number placed in 64-bit space at its signed distance from
    /// `lastSeq` (never below 0).
    @inline(__always)
    func unwrap(_ relative: UInt32) -> UInt64 {
        let delta = Int64(Int32(bitPattern: relative &- UInt32(truncatingIfNeeded: lastSeq)))
        let value = Int64(bitPattern: lastSeq) &+ delta
        return value < 0 ? 0 : UInt64(value)
    }

    /// Payload bytes for TCP, from sequence numbers as Zeek's `TCP_Endpoint::Size` computes them.
    var tcpSize: UInt64 {
        if previousState == .synSent && state == .reset && ackSeq == 0 { return 0 }
        var size = max(lastSeq, unwrap(ackSeq))
        if size > 0 { size -= 1 }            // the SYN's octet (or the mid-stream stand-in)
        if finCount > 0 && size > 0 { size -= 1 }
        return size
    }
}

import SensorCore

/// A UDP header (RFC 768).
public struct UDPHeader: Equatable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// Length as declared, in bytes, header included.
    public var length: Int
    /// Datagram data, as offsets, cut at the declared length and at `end`.
    public var payload: Range<Int>

    /// Parses the header at `start`; `end` is where the IP payload ends.
    @inline(__always)
    public static func parse(_ bytes: FrameBytes, at start: Int, end: Int, snapped: Bool,
                             weirds: inout Weirds) -> UDPHeader? {
        guard start >= 0, end <= bytes.count, end - start >= 8 else { weirds.note(.udpTruncated); return nil }
        let declared = Int(bytes.be16(start + 4))
        var payloadEnd = end
        if declared < 8 {
            // Length 0 is legal for IPv6 jumbograms (RFC 2675); otherwise it is a lie.
            weirds.note(.udpLengthTooSmall)
        } else if declared > end - start {
            if !snapped { weirds.note(.udpLengthPastFrame) }
        } else {
            payloadEnd = start + declared
        }
        return UDPHeader(sourcePort: bytes.be16(start), destinationPort: bytes.be16(start + 2),
                         length: declared, payload: start + 8 ..< payloadEnd)
    }
}

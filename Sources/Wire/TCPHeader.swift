import SensorCore

/// A TCP header (RFC 9293 section 3.1).
public struct TCPHeader: Equatable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: UInt32
    public var acknowledgment: UInt32
    /// Header length in bytes (Data Offset x 4), 20 to 60.
    public var headerLength: Int
    public var flags: TCPFlags
    public var window: UInt16
    /// Segment data, as offsets, cut at `end`.
    public var payload: Range<Int>

    /// Parses the header at `start`; `end` is where the IP payload ends.
    @inline(__always)
    public static func parse(_ bytes: FrameBytes, at start: Int, end: Int, snapped: Bool,
                             weirds: inout Weirds) -> TCPHeader? {
        guard start >= 0, end <= bytes.count, end - start >= 20 else { weirds.note(.tcpTruncated); return nil }
        let offsetByte = bytes.u8(start + 12)
        let headerLength = Int(offsetByte >> 4) * 4
        var payloadStart = start + headerLength
        if headerLength < 20 {
            weirds.note(.tcpHeaderLengthTooSmall)
            payloadStart = start + 20
        } else if headerLength > end - start {
            if !snapped { weirds.note(.tcpHeaderPastFrame) }
            payloadStart = end
        }
        let flags = TCPFlags(rawValue: UInt16(bytes.u8(start + 13)) | (UInt16(offsetByte & 1) << 8))
        return TCPHeader(
            sourcePort: bytes.be16(start), destinationPort: bytes.be16(start + 2),
            sequence: bytes.be32(start + 4), acknowledgment: bytes.be32(start + 8),
            headerLength: headerLength, flags: flags, window: bytes.be16(start + 14),
            payload: payloadStart ..< end)
    }
}

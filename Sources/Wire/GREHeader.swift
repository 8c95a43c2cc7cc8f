import SensorCore

/// A GRE header (RFC 2784 with RFC 2890 key and sequence; version 1 is PPTP's, RFC 2637).
public struct GREHeader: Equatable, Sendable {
    public var version: UInt8
    /// Protocol Type: an Ethernet type.
    public var protocolType: EtherType
    public var hasSequence: Bool
    /// Header length in bytes, optional fields included.
    public var headerLength: Int

    public static func parse(_ bytes: FrameBytes, at start: Int, end: Int, weirds: inout Weirds) -> GREHeader? {
        guard start >= 0, end <= bytes.count, end - start >= 4 else { weirds.note(.greTruncated); return nil }
        let flags = bytes.be16(start)
        let version = UInt8(flags & 0x7)
        var length = 4
        switch version {
        case 0:
            if flags & 0xC000 != 0 { length += 4 }  // checksum (and offset) present if C or R
            if flags & 0x2000 != 0 { length += 4 }  // key
            if flags & 0x1000 != 0 { length += 4 }  // sequence number
            if flags & 0x4000 != 0 {
                weirds.note(.greUnsupportedVersion)  // RFC 1701 source routing: not decoded
                return nil
            }
        case 1:
            length += 4                              // key: payload length + call id (required)
            if flags & 0x1000 != 0 { length += 4 }  // sequence
            if flags & 0x0080 != 0 { length += 4 }  // acknowledgment
        default:
            weirds.note(.greUnsupportedVersion)
            return nil
        }
        guard end - start >= length else { weirds.note(.greTruncated); return nil }
        return GREHeader(version: version, protocolType: EtherType(rawValue: bytes.be16(start + 2)),
                         hasSequence: flags & 0x1000 != 0, headerLength: length)
    }
}

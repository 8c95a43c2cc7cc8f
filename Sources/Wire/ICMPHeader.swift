import SensorCore

/// An ICMP (RFC 792) or ICMPv6 (RFC 4443) message header.
public struct ICMPHeader: Equatable, Sendable {
    public var type: UInt8
    public var code: UInt8
    /// Identifier and sequence for echo and the other query messages; 0 otherwise.
    public var identifier: UInt16
    public var sequence: UInt16
    /// True for error messages, which quote the offending packet's headers.
    public var isError: Bool
    /// The message body after the 8-byte header (the quoted packet, for errors).
    public var body: Range<Int>

    /// Parses the message at `start`; `version6` selects ICMPv6 type numbers.
    @inline(__always)
    public static func parse(_ bytes: FrameBytes, at start: Int, end: Int, version6: Bool,
                             weirds: inout Weirds) -> ICMPHeader? {
        guard start >= 0, end <= bytes.count, end - start >= 4 else {
            weirds.note(version6 ? .icmpv6Truncated : .icmpTruncated); return nil
        }
        let type = bytes.u8(start)
        let isQuery: Bool
        let isError: Bool
        if version6 {
            isQuery = type == 128 || type == 129
            isError = type >= 1 && type <= 4
        } else {
            switch type {
            case 0, 8, 13...18: isQuery = true; isError = false
            case 3, 4, 5, 11, 12: isQuery = false; isError = true
            default: isQuery = false; isError = false
            }
        }
        var header = ICMPHeader(type: type, code: bytes.u8(start + 1), identifier: 0, sequence: 0,
                                isError: isError, body: min(start + 8, end) ..< end)
        if isQuery || isError {
            guard end - start >= 8 else {
                weirds.note(version6 ? .icmpv6Truncated : .icmpTruncated)
                return header
            }
            if isQuery {
                header.identifier = bytes.be16(start + 4)
                header.sequence = bytes.be16(start + 6)
            }
        } else {
            header.body = min(start + 4, end) ..< end
        }
        return header
    }
}

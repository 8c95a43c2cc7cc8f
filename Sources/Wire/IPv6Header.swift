import SensorCore

/// An IPv6 header (RFC 8200 section 3) with its extension headers walked (section 4).
public struct IPv6Header: Equatable, Sendable {
    /// Payload Length as declared, in bytes (0 for a jumbogram).
    public var payloadLength: Int
    /// Next Header of the fixed header.
    public var nextHeader: IPProtocol
    /// The protocol after the last extension header walked.
    public var upperProtocol: IPProtocol
    public var hopLimit: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    /// Extension headers walked.
    public var extensionCount: Int
    /// The Fragment header, when present: offset in bytes, M flag, identification.
    public var fragment: (offset: Int, more: Bool, identification: UInt32)?
    /// The upper-layer payload (after extension headers) as offsets, cut at the captured bytes.
    public var payload: Range<Int>

    /// Extension headers walked at most before giving up (RFC 8200 sets no limit; 16 is generous).
    public static let maximumExtensionHeaders = 16

    /// True when this datagram is one fragment of a larger one (not an atomic fragment, RFC 6946).
    public var isFragment: Bool {
        guard let f = fragment else { return false }
        return f.more || f.offset > 0
    }

    public static func == (a: IPv6Header, b: IPv6Header) -> Bool {
        a.payloadLength == b.payloadLength && a.nextHeader == b.nextHeader && a.upperProtocol == b.upperProtocol
            && a.hopLimit == b.hopLimit && a.source == b.source && a.destination == b.destination
            && a.extensionCount == b.extensionCount && a.payload == b.payload
            && a.fragment?.offset == b.fragment?.offset && a.fragment?.more == b.fragment?.more
            && a.fragment?.identification == b.fragment?.identification
    }

    /// Parses the fixed header at `start` and walks the extension headers, stopping after a
    /// Fragment header that is not atomic (the rest is walked after reassembly).
    public static func parse(_ bytes: FrameBytes, at start: Int, snapped: Bool,
                             weirds: inout Weirds) -> IPv6Header? {
        guard start >= 0, bytes.count - start >= 40 else { weirds.note(.ipv6Truncated); return nil }
        guard bytes.u8(start) >> 4 == 6 else { weirds.note(.ipv6WrongVersion); return nil }
        let payloadLength = Int(bytes.be16(start + 4))
        let next = IPProtocol(rawValue: bytes.u8(start + 6))
        var end = start + 40 + payloadLength
        if payloadLength == 0 && next == .hopByHop && bytes.count > start + 40 {
            weirds.note(.ipv6JumboPayload)  // RFC 2675 jumbogram: length lives in an option
            end = bytes.count
        } else if end > bytes.count {
            if !snapped { weirds.note(.ipv6PayloadLengthPastFrame) }
            end = bytes.count
        }
        var header = IPv6Header(
            payloadLength: payloadLength, nextHeader: next, upperProtocol: next,
            hopLimit: bytes.u8(start + 7),
            source: IPAddress(ipv6High: bytes.be64(start + 8), low: bytes.be64(start + 16)),
            destination: IPAddress(ipv6High: bytes.be64(start + 24), low: bytes.be64(start + 32)),
            extensionCount: 0, fragment: nil, payload: start + 40 ..< end)
        var offset = start + 40
        var proto = next
        walk: while true {
            switch proto.rawValue {
            case 0, 43, 60, 139, 140, 51:  // hop-by-hop, routing, destination options, HIP, shim6, AH
                guard header.extensionCount < maximumExtensionHeaders else {
                    weirds.note(.ipv6ExtensionChainTooLong); break walk
                }
                guard end - offset >= 8 else { weirds.note(.ipv6ExtensionTruncated); break walk }
                let length = proto == .ah
                    ? (Int(bytes.u8(offset + 1)) + 2) * 4
                    : (Int(bytes.u8(offset + 1)) + 1) * 8
                guard end - offset >= length else { weirds.note(.ipv6ExtensionTruncated); break walk }
                if (proto == .hopByHop || proto == .destinationOptions)
                    && !optionsAreWellFormed(bytes, from: offset + 2, to: offset + length) {
                    weirds.note(.ipv6OptionMalformed)
                }
                proto = IPProtocol(rawValue: bytes.u8(offset))
                offset += length
                header.extensionCount += 1
            case 44:  // Fragment header, 8 bytes
                guard header.extensionCount < maximumExtensionHeaders else {
                    weirds.note(.ipv6ExtensionChainTooLong); break walk
                }
                guard end - offset >= 8 else { weirds.note(.ipv6ExtensionTruncated); break walk }
                let offsetFlags = bytes.be16(offset + 2)
                header.fragment = (Int(offsetFlags >> 3) * 8, offsetFlags & 1 != 0, bytes.be32(offset + 4))
                proto = IPProtocol(rawValue: bytes.u8(offset))
                offset += 8
                header.extensionCount += 1
                // A real fragment's upper layers are in the reassembled datagram, not here.
                if header.isFragment { break walk }
            default:
                break walk
            }
        }
        header.upperProtocol = proto
        header.payload = min(offset, end) ..< end
        return header
    }

    /// Hop-by-hop and destination options are TLVs (RFC 8200 section 4.2); Pad1 is one byte.
    static func optionsAreWellFormed(_ bytes: FrameBytes, from start: Int, to end: Int) -> Bool {
        var i = start
        while i < end {
            if bytes.u8(i) == 0 { i += 1; continue }
            guard end - i >= 2 else { return false }
            let length = Int(bytes.u8(i + 1))
            guard end - i - 2 >= length else { return false }
            i += 2 + length
        }
        return true
    }

    /// Walks extension headers (not Fragment) that begin a reassembled datagram's payload.
    /// Returns the upper-layer protocol and where its header starts.
    public static func skipExtensions(_ bytes: FrameBytes, from start: Int, end: Int, first: IPProtocol,
                                      weirds: inout Weirds) -> (IPProtocol, Int) {
        var proto = first
        var offset = start
        var walked = 0
        while proto.isSkippableExtension {
            guard walked < maximumExtensionHeaders else { weirds.note(.ipv6ExtensionChainTooLong); break }
            guard end - offset >= 8 else { weirds.note(.ipv6ExtensionTruncated); break }
            let length = proto == .ah ? (Int(bytes.u8(offset + 1)) + 2) * 4 : (Int(bytes.u8(offset + 1)) + 1) * 8
            guard end - offset >= length else { weirds.note(.ipv6ExtensionTruncated); break }
            proto = IPProtocol(rawValue: bytes.u8(offset))
            offset += length
            walked += 1
        }
        return (proto, offset)
    }
}

extension IPProtocol {
    /// Hop-by-hop, routing, destination options, AH, HIP and shim6: extension headers walked to
    /// reach the upper layer.
    @inlinable var isSkippableExtension: Bool {
        switch rawValue {
        case 0, 43, 60, 51, 139, 140: true
        default: false
        }
    }
}

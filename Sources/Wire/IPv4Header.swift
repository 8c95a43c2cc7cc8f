import SensorCore

/// An IPv4 header (RFC 791 section 3.1).
public struct IPv4Header: Equatable, Sendable {
    /// Header length in bytes (IHL x 4), 20 to 60.
    public var headerLength: Int
    /// Total Length as declared, in bytes.
    public var totalLength: Int
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// Fragment offset in bytes.
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var proto: IPProtocol
    public var source: IPAddress
    public var destination: IPAddress
    /// The datagram's payload, as offsets into the buffer, cut at the end of the captured bytes.
    public var payload: Range<Int>

    /// True when this datagram is one fragment of a larger one.
    @inlinable public var isFragment: Bool { moreFragments || fragmentOffset > 0 }

    /// Parses the header at `start`. `snapped` says the capture cut the frame short, which
    /// excuses a datagram longer than the bytes present. Returns nil when no header can be read.
    @inline(__always)
    public static func parse(_ bytes: FrameBytes, at start: Int, snapped: Bool,
                             verifyChecksum: Bool, weirds: inout Weirds) -> IPv4Header? {
        guard start >= 0, bytes.count - start >= 20 else { weirds.note(.ipv4Truncated); return nil }
        let versionIHL = bytes.u8(start)
        guard versionIHL >> 4 == 4 else { weirds.note(.ipv4WrongVersion); return nil }
        let headerLength = Int(versionIHL & 0x0f) * 4
        guard headerLength >= 20 else { weirds.note(.ipv4HeaderLengthTooSmall); return nil }
        guard bytes.count - start >= headerLength else { weirds.note(.ipv4HeaderPastFrame); return nil }
        let totalLength = Int(bytes.be16(start + 2))
        var end: Int
        if totalLength < headerLength {
            // Total Length 0 is what TCP segmentation offload leaves in captures taken on the
            // sender; either way the captured bytes are the best measure of the datagram.
            weirds.note(.ipv4TotalLengthTooSmall)
            end = bytes.count
        } else if bytes.count - start < totalLength {
            if !snapped { weirds.note(.ipv4TotalLengthPastFrame) }
            end = bytes.count
        } else {
            end = start + totalLength
        }
        if verifyChecksum && !IPv4Header.checksumIsValid(bytes, at: start, length: headerLength) {
            weirds.note(.ipv4BadChecksum)
        }
        if headerLength > 20 && !IPv4Header.optionsAreWellFormed(bytes, from: start + 20, to: start + headerLength) {
            weirds.note(.ipv4OptionMalformed)
        }
        let flagsOffset = bytes.be16(start + 6)
        end = max(end, start + headerLength)
        return IPv4Header(
            headerLength: headerLength,
            totalLength: totalLength,
            identification: bytes.be16(start + 4),
            dontFragment: flagsOffset & 0x4000 != 0,
            moreFragments: flagsOffset & 0x2000 != 0,
            fragmentOffset: Int(flagsOffset & 0x1fff) * 8,
            ttl: bytes.u8(start + 8),
            proto: IPProtocol(rawValue: bytes.u8(start + 9)),
            source: IPAddress(ipv4: bytes.be32(start + 12)),
            destination: IPAddress(ipv4: bytes.be32(start + 16)),
            payload: start + headerLength ..< end)
    }

    /// The RFC 1071 one's-complement sum over the header is 0xffff when the checksum is right.
    /// Summed in 32-bit words (the header is a whole number of them), then folded.
    @inline(__always)
    static func checksumIsValid(_ bytes: FrameBytes, at start: Int, length: Int) -> Bool {
        var sum: UInt64 = 0
        var i = start
        while i < start + length {
            sum &+= UInt64(bytes.be32(i))
            i += 4
        }
        while sum > 0xffff { sum = (sum & 0xffff) &+ (sum >> 16) }
        return sum == 0xffff
    }

    /// Options (RFC 791 section 3.1): EOL and NOP are one byte, the rest carry a length >= 2.
    static func optionsAreWellFormed(_ bytes: FrameBytes, from start: Int, to end: Int) -> Bool {
        var i = start
        while i < end {
            let type = bytes.u8(i)
            if type == 0 { return true }
            if type == 1 { i += 1; continue }
            guard i + 1 < end else { return false }
            let length = Int(bytes.u8(i + 1))
            guard length >= 2, i + length <= end else { return false }
            i += length
        }
        return true
    }
}

/// An IPv4 or IPv6 address in one fixed-size value.
///
/// IPv4 is stored mapped into IPv6 (`::ffff:a.b.c.d`, RFC 4291 section 2.5.5.2)
/// so that flow keys have one shape; `isIPv4` tells how the packet carried it.
public struct IPAddress: Hashable, Comparable, Sendable {
    /// The upper and lower 64 bits (host order). Two words rather than one `UInt128` keep
    /// the value 8-byte aligned: 24 bytes a copy instead of 32, on the per-packet path.
    public var high: UInt64
    public var low: UInt64
    /// True when the packet carried this address in an IPv4 header.
    public var isIPv4: Bool

    public static let mappedPrefix: UInt128 = 0xffff_0000_0000
    /// `::`, the zero address (computed: a stored static would cost a `swift_once` per use).
    @inlinable public static var unspecified: IPAddress { IPAddress(ipv6High: 0, low: 0) }

    @inlinable public init(value: UInt128, isIPv4: Bool) {
        self.high = UInt64(truncatingIfNeeded: value >> 64)
        self.low = UInt64(truncatingIfNeeded: value)
        self.isIPv4 = isIPv4
    }

    /// An IPv4 address from its 32-bit value in host order (`0x7f000001` is 127.0.0.1).
    @inlinable public init(ipv4 v: UInt32) {
        self.high = 0
        self.low = 0xffff_0000_0000 | UInt64(v)
        self.isIPv4 = true
    }

    /// An IPv6 address from its two 64-bit halves in host order.
    @inlinable public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        self.isIPv4 = false
    }

    /// The 128-bit address in network order (IPv4 mapped into ::ffff:0:0/96).
    @inlinable public var value: UInt128 { (UInt128(high) << 64) | UInt128(low) }

    /// The IPv4 value (host order); meaningful only when `isIPv4`.
    @inlinable public var ipv4: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// A multicast address: 224.0.0.0/4 (RFC 5771) or ff00::/8 (RFC 4291 section 2.7).
    @inlinable public var isMulticast: Bool {
        isIPv4 ? ipv4 >> 28 == 0xE : high >> 56 == 0xFF
    }

    @inlinable public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Parses dotted-quad IPv4 or RFC 4291 / RFC 5952 IPv6 text. Returns nil on anything else.
    public init?(_ text: String) {
        if let v4 = IPAddress.parseIPv4(Substring(text)) {
            self.init(ipv4: v4)
            return
        }
        guard let v6 = IPAddress.parseIPv6(text) else { return nil }
        self.init(value: v6, isIPv4: false)
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        var result: UInt32 = 0
        var parts = 0
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard parts < 4, !part.isEmpty, part.count <= 3,
                  let n = UInt32(part), n <= 255 else { return nil }
            result = result << 8 | n
            parts += 1
        }
        return parts == 4 ? result : nil
    }

    static func parseIPv6(_ text: String) -> UInt128? {
        guard text.utf8.count <= 45, text.contains(":") else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var seenGap = false
        var pieces: [String] = []
        let bytes = Array(text.utf8)
        var gapAt: Int? = nil
        for i in 0..<(bytes.count - 1) where bytes[i] == 58 && bytes[i + 1] == 58 {
            guard gapAt == nil else { return nil }
            gapAt = i
        }
        if let g = gapAt {
            pieces = [String(decoding: bytes[..<g], as: UTF8.self), String(decoding: bytes[(g + 2)...], as: UTF8.self)]
            if pieces[1].hasPrefix(":") { return nil }
        } else {
            pieces = [text]
        }
        func groups(_ s: String, allowV4: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if allowV4, i == fields.count - 1, f.contains(".") {
                    guard let v4 = parseIPv4(f) else { return nil }
                    out.append(UInt16(v4 >> 16)); out.append(UInt16(v4 & 0xffff))
                } else {
                    guard !f.isEmpty, f.count <= 4, let g = UInt16(f, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        if pieces.count == 2 {
            seenGap = true
            guard let h = groups(pieces[0], allowV4: false), let t = groups(pieces[1], allowV4: true) else { return nil }
            head = h; tail = t
        } else {
            guard let h = groups(pieces[0], allowV4: true) else { return nil }
            head = h
        }
        let total = head.count + tail.count
        if seenGap { guard total <= 7 else { return nil } } else { guard total == 8 else { return nil } }
        let all = head + Array(repeating: 0, count: 8 - total) + tail
        var v: UInt128 = 0
        for g in all { v = v << 16 | UInt128(g) }
        return v
    }
}

extension IPAddress: CustomStringConvertible {
    /// Dotted quad for IPv4, RFC 5952 canonical text for IPv6.
    public var description: String {
        var buffer = [UInt8]()
        buffer.reserveCapacity(46)
        appendText(to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Appends the text form (RFC 5952 for IPv6) as UTF-8 without creating a String.
    public func appendText(to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: IPAddress.maximumTextLength) { scratch in
            let n = writeText(to: scratch.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<n]))
        }
    }

    /// The longest text form, in bytes ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").
    public static let maximumTextLength = 39

    /// Decimal text of 0...255 followed by a dot, first byte lowest.
    static let octetText: [UInt32] = (0..<256).map { octet in
        (Array(String(octet).utf8) + [UInt8(ascii: ".")]).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    /// Writes the text form (RFC 5952 for IPv6) at `out`, which must have room for
    /// `maximumTextLength` bytes; returns the bytes written.
    public func writeText(to out: UnsafeMutablePointer<UInt8>) -> Int {
        // Written in place with a running index (a nested writer would box it in debug builds,
        // an allocation per address).
        var n = 0
        if isIPv4 {
            // Each octet's text and a dot in one 4-byte store, with no branch on its digits (random
            // addresses mispredicted them); the dot after the last octet is past the length.
            let v = ipv4
            IPAddress.octetText.withUnsafeBufferPointer { text in
                let raw = UnsafeMutableRawPointer(out)
                for i in 0..<4 {
                    let octet = Int(truncatingIfNeeded: v >> (24 - 8 * UInt32(i))) & 0xFF
                    raw.storeBytes(of: text[octet].littleEndian, toByteOffset: n, as: UInt32.self)
                    n += 2 + (octet >= 10 ? 1 : 0) + (octet >= 100 ? 1 : 0)
                }
            }
            return n - 1
        }
        var groups = (UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt16(0))
        withUnsafeMutableBytes(of: &groups) { raw in
            let g = raw.bindMemory(to: UInt16.self)
            for i in 0..<8 { g[i] = UInt16(truncatingIfNeeded: value >> (112 - 16 * UInt128(i))) }
        }
        withUnsafeBytes(of: groups) { raw in
            let g = raw.bindMemory(to: UInt16.self)
            // Longest run of zero groups (length >= 2) is compressed; first one wins ties.
            var bestStart = -1, bestLength = 0, i = 0
            while i < 8 {
                if g[i] == 0 {
                    var j = i
                    while j < 8 && g[j] == 0 { j += 1 }
                    if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
                    i = j
                } else { i += 1 }
            }
            // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted tail, as RFC 5952 section 5 recommends.
            if bestStart == 0 && bestLength == 5 && g[5] == 0xffff {
                for c in "::ffff:".utf8 { out[n] = c; n += 1 }
                let v = UInt32(g[6]) << 16 | UInt32(g[7])
                n += IPAddress(ipv4: v).writeText(to: out + n)
                return
            }
            var k = 0
            while k < 8 {
                if k == bestStart {
                    out[n] = UInt8(ascii: ":"); n += 1; out[n] = UInt8(ascii: ":"); n += 1
                    k += bestLength
                    continue
                }
                if k > 0 && k != bestStart + bestLength { out[n] = UInt8(ascii: ":"); n += 1 }
                let digits: StaticString = "0123456789abcdef"
                // The group's hex digits without leading zeros: as many as its significant nibbles.
                let group = g[k]
                let count = max(1, (19 - group.leadingZeroBitCount) / 4)
                for d in stride(from: count - 1, through: 0, by: -1) {
                    out[n] = digits.utf8Start[Int(group >> UInt16(4 * d)) & 0xf]; n += 1
                }
                k += 1
            }
        }
        return n
    }
}

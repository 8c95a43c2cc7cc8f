import CSHA1

/// SHA-1 (FIPS 180-4 section 6.1) for Community IDs, which hash one short tuple per flow.
/// Not for security: Community ID v1 fixes the algorithm. Through swift-crypto a flow's ID
/// took about 2,700 instructions, two thirds of them in the wrapper (digest objects, copies);
/// this takes about 1,900 on the stack, and about 300 where the CPU has SHA instructions.
enum SHA1 {
    /// True when the CPU's SHA extensions compress blocks (x86-64 with SHA-NI; see CSHA1).
    static let hardwareAvailable = qw_sha1_hardware_available() != 0

    /// The 20-byte digest of `message`, big-endian words in order; `hardware` false forces the
    /// Swift compression (tests compare both).
    static func digest(_ message: UnsafeRawBufferPointer, hardware: Bool = hardwareAvailable) -> (UInt64, UInt64, UInt32) {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        let length = message.count
        // Whole blocks, then the tail with its padding: 0x80, zeros, and the bit length (one
        // or two blocks).
        let offset = length / 64 * 64
        if let base = message.baseAddress, offset > 0 { compress(&h, base, blocks: offset / 64, hardware: hardware) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
            let rest = length - offset
            let blocks = rest + 9 <= 64 ? 1 : 2
            tail.initialize(repeating: 0)
            for k in 0..<rest { tail[k] = message[offset + k] }
            tail[rest] = 0x80
            let bits = UInt64(length) &* 8
            for k in 0..<8 { tail[blocks * 64 - 1 - k] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k))) }
            compress(&h, UnsafeRawPointer(tail.baseAddress!), blocks: blocks, hardware: hardware)
        }
        return (UInt64(h.0) << 32 | UInt64(h.1), UInt64(h.2) << 32 | UInt64(h.3), h.4)
    }

    /// `blocks` 64-byte blocks at `data` into the state.
    private static func compress(_ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ data: UnsafeRawPointer,
                                 blocks: Int, hardware: Bool) {
        if hardware {
            // A homogeneous tuple is laid out as an array of its elements.
            withUnsafeMutableBytes(of: &h) { state in
                qw_sha1_compress_hardware(state.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                          data.assumingMemoryBound(to: UInt8.self), blocks)
            }
        } else {
            for b in 0..<blocks { compress(&h, UnsafeRawBufferPointer(start: data + 64 * b, count: 64)) }
        }
    }

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }

    /// One 64-byte block into the state.
    private static func compress(_ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            for t in 0..<16 { w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self)) }
            for t in 16..<80 { w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
            var (a, b, c, d, e) = h
            @inline(__always) func step(_ f: UInt32, _ k: UInt32, _ t: Int) {
                (e, d, c, b, a) = (d, c, rotl(b, 30), a, rotl(a, 5) &+ f &+ e &+ k &+ w[t])
            }
            // The four rounds of 20 steps, each with its function and constant.
            for t in 0..<20 { step((b & c) | (~b & d), 0x5A82_7999, t) }
            for t in 20..<40 { step(b ^ c ^ d, 0x6ED9_EBA1, t) }
            for t in 40..<60 { step((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, t) }
            for t in 60..<80 { step(b ^ c ^ d, 0xCA62_C1D6, t) }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
    }
}

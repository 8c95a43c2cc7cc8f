/// Builds frames for decoder tests: each function wraps a payload in one header,
/// with lengths and the IPv4 header checksum computed (override them to lie).
public enum PacketBuilder {
    public static func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
    public static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    /// Ethernet II with optional 802.1Q/802.1ad tags (outermost first; TPID 0x88a8 for the first of two).
    public static func ethernet(type: Int, vlans: [Int] = [], _ payload: [UInt8]) -> [UInt8] {
        var f: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        for (i, vid) in vlans.enumerated() {
            f += be16(vlans.count > 1 && i == 0 ? 0x88a8 : 0x8100) + be16(vid)
        }
        return f + be16(type) + payload
    }

    /// IPv4 with a correct header checksum unless `checksum` is given.
    public static func ipv4(src: UInt32 = 0x0a000001, dst: UInt32 = 0x08080808, proto: UInt8, ttl: UInt8 = 64,
                            id: Int = 0x1234, flagsOffset: Int = 0, options: [UInt8] = [],
                            totalLength: Int? = nil, ihl: Int? = nil, checksum: Int? = nil, _ payload: [UInt8]) -> [UInt8] {
        let headerLength = 20 + options.count
        var h: [UInt8] = [UInt8(0x40 | (ihl ?? headerLength / 4)), 0]
        h += be16(totalLength ?? headerLength + payload.count) + be16(id) + be16(flagsOffset)
        h += [ttl, proto, 0, 0] + be32(src) + be32(dst) + options
        if let checksum {
            h[10] = UInt8(checksum >> 8); h[11] = UInt8(checksum & 0xff)
        } else {
            var sum: UInt32 = 0
            for i in stride(from: 0, to: h.count - 1, by: 2) { sum += UInt32(h[i]) << 8 | UInt32(h[i + 1]) }
            while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
            let c = ~UInt16(sum)
            h[10] = UInt8(c >> 8); h[11] = UInt8(c & 0xff)
        }
        return h + payload
    }

    /// IPv6 (fixed header; `next` names the first extension or the upper layer).
    public static func ipv6(src: UInt64 = 0x2001_0db8_0000_0000, dst: UInt64 = 0x2001_0db8_0000_0000,
                            next: UInt8, hopLimit: UInt8 = 64, payloadLength: Int? = nil, _ payload: [UInt8]) -> [UInt8] {
        var h: [UInt8] = [0x60, 0, 0, 0] + be16(payloadLength ?? payload.count) + [next, hopLimit]
        h += be32(UInt32(src >> 32)) + be32(UInt32(src & 0xffffffff)) + [0, 0, 0, 0, 0, 0, 0, 1]
        h += be32(UInt32(dst >> 32)) + be32(UInt32(dst & 0xffffffff)) + [0, 0, 0, 0, 0, 0, 0, 2]
        return h + payload
    }

    /// A generic IPv6 extension header (hop-by-hop, routing, destination options) padded to 8 bytes.
    public static func ipv6Extension(next: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [next, 0, 1, 4, 0, 0, 0, 0] + payload  // PadN option of 4 bytes fills the 8
    }

    /// An IPv6 Fragment header: offset in bytes (multiple of 8).
    public static func ipv6Fragment(next: UInt8, offset: Int, more: Bool, id: UInt32, _ payload: [UInt8]) -> [UInt8] {
        [next, 0] + be16((offset / 8) << 3 | (more ? 1 : 0)) + be32(id) + payload
    }

    public static func udp(sport: Int, dport: Int, length: Int? = nil, _ payload: [UInt8]) -> [UInt8] {
        be16(sport) + be16(dport) + be16(length ?? 8 + payload.count) + [0, 0] + payload
    }

    public static func tcp(sport: Int, dport: Int, seq: UInt32 = 1000, ack: UInt32 = 0, flags: UInt8 = 0x02,
                           window: Int = 65535, dataOffset: Int = 5, options: [UInt8] = [], _ payload: [UInt8] = []) -> [UInt8] {
        be16(sport) + be16(dport) + be32(seq) + be32(ack) + [UInt8(dataOffset << 4), flags] + be16(window)
            + [0, 0, 0, 0] + options + payload
    }

    public static func icmp(type: UInt8, code: UInt8 = 0, id: Int = 0, seq: Int = 0, _ payload: [UInt8] = []) -> [UInt8] {
        [type, code, 0, 0] + be16(id) + be16(seq) + payload
    }

    public static func gre(protocolType: Int, flags: Int = 0, extra: [UInt8] = [], _ payload: [UInt8]) -> [UInt8] {
        be16(flags) + be16(protocolType) + extra + payload
    }

    public static func vxlan(vni: UInt32 = 42, _ payload: [UInt8]) -> [UInt8] {
        [0x08, 0, 0, 0] + be32(vni << 8) + payload
    }
}

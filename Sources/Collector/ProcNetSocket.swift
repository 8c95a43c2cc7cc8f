import SensorCore

/// One line of /proc/net/{tcp,tcp6,udp,udp6} (proc(5)): endpoints, state and the socket inode
/// that ties it to a process's file descriptor.
public struct ProcNetSocket: Sendable, Equatable, Hashable {
    /// IP protocol: 6 TCP, 17 UDP.
    public var transport: UInt8
    public var local: IPAddress
    public var localPort: UInt16
    public var remote: IPAddress
    public var remotePort: UInt16
    /// The kernel's state number (TCP: 1 ESTABLISHED, 2 SYN_SENT, 10 LISTEN; UDP: 7 unconnected, 1 connected).
    public var state: UInt8
    public var uid: UInt32
    public var inode: UInt64

    /// True when the socket has no peer (listener or unconnected UDP).
    public var isUnconnected: Bool { remotePort == 0 }

    /// Parses one table line (not the header); nil for anything malformed.
    ///
    /// Addresses are the kernel's 32-bit words in host byte order, as hex: an IPv4 address is one
    /// word (127.0.0.1 is `0100007F` on a little-endian machine), an IPv6 address four.
    public static func parse(_ line: Substring, transport: UInt8) -> ProcNetSocket? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 10, fields[0].hasSuffix(":") else { return nil }
        guard let (local, lport) = endpoint(fields[1]), let (remote, rport) = endpoint(fields[2]),
              let state = UInt8(fields[3], radix: 16), let uid = UInt32(fields[7]), let inode = UInt64(fields[9]) else { return nil }
        return ProcNetSocket(transport: transport, local: local, localPort: lport, remote: remote, remotePort: rport,
                             state: state, uid: uid, inode: inode)
    }

    static func endpoint(_ text: Substring) -> (IPAddress, UInt16)? {
        guard let colon = text.firstIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...], radix: 16) else { return nil }
        let hex = text[..<colon]
        switch hex.count {
        case 8:
            guard let word = UInt32(hex, radix: 16) else { return nil }
            return (IPAddress(ipv4: UInt32(bigEndian: word)), port)
        case 32:
            var value: UInt128 = 0
            var start = hex.startIndex
            for _ in 0..<4 {
                let end = hex.index(start, offsetBy: 8)
                guard let word = UInt32(hex[start..<end], radix: 16) else { return nil }
                value = value << 32 | UInt128(UInt32(bigEndian: word))
                start = end
            }
            let address = IPAddress(value: value, isIPv4: false)
            // An IPv4-mapped address (a dual-stack socket) is reported as IPv4.
            if value >> 32 == IPAddress.mappedPrefix >> 32 { return (IPAddress(ipv4: UInt32(truncatingIfNeeded: value)), port) }
            return (address, port)
        default:
            return nil
        }
    }
}

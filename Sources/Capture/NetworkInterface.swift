import CPcap
import SensorCore

/// An interface libpcap can open, from `pcap_findalldevs`.
public struct NetworkInterface: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var addresses: [IPAddress]
    public var isLoopback: Bool
    public var isUp: Bool
    public var isRunning: Bool

    /// Every interface libpcap can open, in libpcap's order.
    public static func all() throws(CaptureError) -> [NetworkInterface] {
        var errorBuffer = ErrorBuffer()
        var list: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&list, &errorBuffer.bytes) == 0 else {
            throw .interfaceListFailed(detail: errorBuffer.text)
        }
        defer { pcap_freealldevs(list) }
        var result: [NetworkInterface] = []
        var node = list
        while let current = node {
            let entry = current.pointee
            var addresses: [IPAddress] = []
            var address = entry.addresses
            while let a = address {
                if let sa = a.pointee.addr, let ip = IPAddress(socketAddress: sa) { addresses.append(ip) }
                address = a.pointee.next
            }
            let flags = UInt32(entry.flags)
            result.append(NetworkInterface(
                name: String(cString: entry.name),
                description: entry.description.map { String(cString: $0) },
                addresses: addresses,
                isLoopback: flags & UInt32(PCAP_IF_LOOPBACK) != 0,
                isUp: flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: flags & UInt32(PCAP_IF_RUNNING) != 0))
            node = entry.next
        }
        return result
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension IPAddress {
    /// The address in a `sockaddr_in` or `sockaddr_in6`; nil for other families.
    init?(socketAddress sa: UnsafeMutablePointer<sockaddr>) {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            let v = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            self.init(ipv4: UInt32(bigEndian: v))
        case AF_INET6:
            let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }
            }
            var v: UInt128 = 0
            for b in bytes { v = v << 8 | UInt128(b) }
            self.init(value: v, isIPv4: false)
        default:
            return nil
        }
    }
}

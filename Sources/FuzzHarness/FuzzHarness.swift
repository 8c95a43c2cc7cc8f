import AppProtocols
import Attribution
import Foundation
import Flows
import SensorCore
import Wire

/// What one fuzz input does: the fuzz target (Fuzz/) and the suite's corpus replay both run
/// inputs through this, so a replayed crasher takes exactly the path it took when found.
///
/// First byte below 0xF0: it picks a link type from `PacketDecoder.supportedLinkTypes`, and
/// the rest is a frame that is decoded, checksum-checked and fed to a 64-flow table (one
/// decoder and table for the whole run, so reassembly and flow state carry across inputs).
/// The table runs every dissector: DNS, TLS, QUIC and HTTP, with TCP reassembly.
/// 0xF0-0xF6: the rest goes to the QUIC Initial reader, the QUIC CRYPTO frame walker, the TLS
/// ClientHello parser (with JA3 and JA4), service identification, the DNS parser, the TLS
/// ServerHello parser, or the HTTP head parser. 0xF7-0xF9: the rest is an endpoint feed read
/// with format detection, an `lsof -F` feed, or a launchd plist.
public final class FuzzHarness {
    let decoder = PacketDecoder(reassembler: FragmentReassembler(maximumDatagrams: 16))
    let table: FlowTable
    var clock: Int64 = 0

    public init() {
        var settings = FlowSettings()
        settings.maximumFlows = 64
        settings.verifyChecksums = true
        table = FlowTable(settings: settings)
    }

    public func run(_ input: UnsafeRawBufferPointer) {
        guard let selector = input.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        let frame = FrameBytes(rest)
        switch selector {
        case 0xF0:
            _ = QUICInitial.decryptClientInitial(frame)
        case 0xF1:
            _ = QUICInitial.cryptoFrames(Array(rest))
        case 0xF2:
            if let hello = TLSClientHello.parse(frame) { _ = (hello.ja3, hello.ja4(transport: "t")) }
        case 0xF5:
            _ = TLSServerHello.parse(frame)
        case 0xF6:
            _ = HTTPMessageHead.parse(frame)
        case 0xF3:
            _ = ServiceDetector.identify(frame, transport: 6)
            _ = ServiceDetector.identify(frame, transport: 17)
        case 0xF4:
            _ = DNSMessage.parse(frame)?.questions.first?.name.text
        case 0xF7:
            _ = FeedReader.read(text: String(decoding: rest, as: UTF8.self))
        case 0xF8:
            _ = FeedReader.read(text: String(decoding: rest, as: UTF8.self), format: .lsof)
        case 0xF9:
            _ = try? LaunchdInventory.agent(plist: Data(rest), hostID: "fuzz", path: "/fuzz.plist")
        default:
            let links = PacketDecoder.supportedLinkTypes
            clock &+= 1_000_000_000  // one second per input: timeouts fire now and then
            let packet = decoder.decode(frame, linkType: links[Int(selector) % links.count],
                                        timestamp: Timestamp(nanoseconds: clock), wireLength: rest.count)
            let valid = decoder.transportChecksumIsValid(packet, frame: frame)
            decoder.withPayload(of: packet, frame: frame) { bytes in
                if bytes.count > 0 { _ = bytes.u8(0) &+ bytes.u8(bytes.count - 1) }
                table.update(packet, payload: bytes, checksumValid: valid)
            }
            if table.finished.count > 256 { _ = table.drain() }
            if table.dns.completed.count > 256 { _ = table.dns.drain() }
            if table.tls.completed.count > 256 { _ = table.tls.drain() }
            if table.quic.completed.count > 256 { _ = table.quic.drain() }
            if table.http.completed.count > 256 { _ = table.http.drain() }
        }
    }

    /// Ends the run: flushes fragments and flows.
    public func finish() {
        decoder.finish()
        table.flushAll()
    }
}

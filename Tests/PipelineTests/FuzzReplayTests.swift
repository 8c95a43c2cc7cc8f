import AppProtocols
import Flows
import Foundation
import SensorCore
import TestSupport
import Testing
import Wire

/// Replays what the fuzzer found (Fuzz/corpus, Fuzz/crashers) exactly as the fuzz target
/// feeds it (Fuzz/Sources/DecoderFuzzer): first byte below 0xF0 picks a link type and the
/// frame goes through the decoder and a small flow table; 0xF0-0xF3 pick a parser.
@Suite("Fuzz corpus replay")
struct FuzzReplayTests {
    static let fuzzRoot = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ folder: String) -> [URL] {
        let dir = fuzzRoot.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test("every corpus input and every crasher runs without trapping", arguments: ["corpus", "crashers"])
    func replay(folder: String) throws {
        let decoder = PacketDecoder(reassembler: FragmentReassembler(maximumDatagrams: 16))
        var settings = FlowSettings()
        settings.maximumFlows = 64
        settings.verifyChecksums = true
        let table = FlowTable(settings: settings)
        var clock: Int64 = 0
        for url in Self.inputs(folder) {
            let data = try [UInt8](Data(contentsOf: url))
            guard let selector = data.first else { continue }
            let rest = Array(data.dropFirst())
            rest.withUnsafeBytes { raw in
                let frame = FrameBytes(raw)
                switch selector {
                case 0xF0: _ = QUICInitial.decryptClientInitial(frame)
                case 0xF1: _ = QUICInitial.cryptoFrames(rest)
                case 0xF2: _ = TLSClientHello.parse(frame)
                case 0xF3:
                    _ = ServiceDetector.identify(frame, transport: 6)
                    _ = ServiceDetector.identify(frame, transport: 17)
                case 0xF4:
                    _ = DNSMessage.parse(frame)?.questions.first?.name.text
                default:
                    let link = PacketDecoder.supportedLinkTypes[Int(selector) % PacketDecoder.supportedLinkTypes.count]
                    clock += 1_000_000_000
                    let p = decoder.decode(frame, linkType: link, timestamp: Timestamp(nanoseconds: clock), wireLength: raw.count)
                    let valid = decoder.transportChecksumIsValid(p, frame: frame)
                    decoder.withPayload(of: p, frame: frame) { bytes in
                        table.update(p, payload: bytes, checksumValid: valid)
                    }
                }
            }
            if table.finished.count > 256 { _ = table.drain() }
        }
        table.flushAll()
        #expect(folder == "crashers" || !Self.inputs(folder).isEmpty, "Fuzz/corpus is empty: run scripts/fuzz and commit it")
    }
}

import Foundation
import SensorCore
import TestSupport
import Testing
import Wire

/// Replays what the fuzzer found (Fuzz/corpus, Fuzz/crashers) through the decoder, the way
/// the fuzz target feeds it: first byte selects the link type, the rest is the frame.
@Suite("Fuzz corpus replay")
struct FuzzReplayTests {
    static let fuzzRoot = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ folder: String) -> [URL] {
        let dir = fuzzRoot.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test("every corpus input and every crasher decodes without trapping", arguments: ["corpus", "crashers"])
    func replay(folder: String) throws {
        let decoder = PacketDecoder(reassembler: FragmentReassembler(maximumDatagrams: 16))
        var clock: Int64 = 0
        for url in Self.inputs(folder) {
            let data = try [UInt8](Data(contentsOf: url))
            guard let selector = data.first else { continue }
            let link = PacketDecoder.supportedLinkTypes[Int(selector) % PacketDecoder.supportedLinkTypes.count]
            clock += 1_000_000_000
            data.dropFirst().withUnsafeBytes { raw in
                let frame = FrameBytes(raw)
                let p = decoder.decode(frame, linkType: link, timestamp: Timestamp(nanoseconds: clock), wireLength: raw.count)
                decoder.withPayload(of: p, frame: frame) { bytes in
                    if bytes.count > 0 { _ = bytes.u8(0) &+ bytes.u8(bytes.count - 1) }
                }
            }
        }
        #expect(folder == "crashers" || !Self.inputs(folder).isEmpty, "Fuzz/corpus is empty: run scripts/fuzz and commit it")
    }
}

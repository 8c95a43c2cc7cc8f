import Foundation
import FuzzHarness
import TestSupport
import Testing

/// Replays what the fuzzer found (Fuzz/corpus, Fuzz/crashers) through the same FuzzHarness
/// the fuzz target runs, so each input takes the path it took when it was found.
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
        let harness = FuzzHarness()
        for url in Self.inputs(folder) {
            let data = try [UInt8](Data(contentsOf: url))
            data.withUnsafeBytes { harness.run($0) }
        }
        harness.finish()
        #expect(folder == "crashers" || !Self.inputs(folder).isEmpty, "Fuzz/corpus is empty: run scripts/fuzz and commit it")
    }
}

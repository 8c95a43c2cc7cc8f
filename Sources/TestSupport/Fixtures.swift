import Foundation

/// Where the test captures live, and how to list them.
public enum Fixtures {
    /// `Tests/Fixtures`, found from this file's path so tests run from any directory.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures")

    /// Every .pcap/.pcapng below `Tests/Fixtures/real` and `Tests/Fixtures/zeek`, as paths relative to `root`.
    public static func realCaptures() -> [String] {
        var result: [String] = []
        for folder in ["real", "zeek"] {
            let base = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let path as String in walker where path.hasSuffix(".pcap") || path.hasSuffix(".pcapng") {
                result.append(folder + "/" + path)
            }
        }
        return result.sorted()
    }

    /// Absolute path of a fixture given relative to `root`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}

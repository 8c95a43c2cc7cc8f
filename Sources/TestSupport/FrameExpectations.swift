import Foundation

/// A checked-in list of explained differences from a reference tool: one line per entry,
/// `capture<TAB>frames (N, N-M or *)<TAB>field (or *)<TAB>reason`; `#` starts a comment.
public struct FrameExpectations: Sendable {
    public struct Entry: Sendable {
        public var line: String
        public var frames: ClosedRange<Int>
        public var field: String
        public func matches(frame: Int, field f: String) -> Bool { frames.contains(frame) && (field == "*" || field == f) }
    }

    private var byCapture: [String: [Entry]] = [:]

    /// Reads `Tests/Fixtures/<file>`; a missing file means no expectations.
    public init(file: String) {
        guard let text = try? String(contentsOf: Fixtures.root.appendingPathComponent(file), encoding: .utf8) else { return }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count >= 4 else { continue }
            let range: ClosedRange<Int>
            if c[1] == "*" {
                range = 1...Int.max
            } else if let dash = c[1].firstIndex(of: "-"), let a = Int(c[1][..<dash]), let b = Int(c[1][c[1].index(after: dash)...]) {
                range = a...b
            } else if let n = Int(c[1]) {
                range = n...n
            } else { continue }
            byCapture[c[0], default: []].append(Entry(line: String(line), frames: range, field: c[2]))
        }
    }

    public func entries(for capture: String) -> [Entry] { byCapture[capture] ?? [] }
}

import Foundation
import Synchronization

/// Feed lines the service acknowledged, on disk before the acknowledgement: a restarted
/// sensor replays them to its correlator, so no record a client was told is safe is lost.
/// The journal is a series of generations, `feed-journal.<n>.ndjson` in `directory`; the
/// sensor starts a new one at every checkpoint and deletes those older than the retention.
public final class FeedJournal: Sendable {
    public let directory: String
    /// Wall-clock seconds a generation is kept after it was closed.
    public let retention: Double
    private struct State {
        var descriptor: Int32 = -1
        var generation = 0
        /// Closed generations and when they were closed (wall clock).
        var closed: [(Int, Double)] = []
    }
    private let state = Mutex(State())

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Opens the journal in `directory` (created), continuing after the generations there.
    public init(directory: String, retention: Double) throws(Failure) {
        self.directory = directory
        self.retention = retention
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(directory): \(error.localizedDescription)")
        }
        let existing = Self.generations(in: directory)
        let now = Date().timeIntervalSince1970
        let next = (existing.last ?? 0) + 1
        let fd = open(Self.path(directory, next), O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(Self.path(directory, next)): \(String(cString: strerror(errno)))") }
        state.withLock { s in
            s.descriptor = fd
            s.generation = next
            s.closed = existing.map { ($0, now) }
        }
    }

    deinit { state.withLock { s in if s.descriptor >= 0 { close(s.descriptor) } } }

    static func path(_ directory: String, _ generation: Int) -> String { "\(directory)/feed-journal.\(generation).ndjson" }

    /// Generation numbers in `directory`, ascending.
    static func generations(in directory: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("feed-journal."), name.hasSuffix(".ndjson") else { return nil }
            return Int(name.dropFirst("feed-journal.".count).dropLast(".ndjson".count))
        }.sorted()
    }

    /// The text of every earlier generation, oldest first (to replay at start).
    public func replay() -> [(name: String, text: String)] {
        let current = state.withLock { $0.generation }
        return Self.generations(in: directory).filter { $0 < current }.compactMap { g in
            let p = Self.path(directory, g)
            return (try? String(contentsOfFile: p, encoding: .utf8)).map { (p, $0) }
        }
    }

    /// Appends `lines` (each without its newline) and syncs them to disk; only then may the
    /// records be acknowledged.
    public func append(_ lines: [String]) throws(Failure) {
        guard !lines.isEmpty else { return }
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let result: Failure? = state.withLock { s in
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(s.descriptor, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return Failure(description: "cannot write the feed journal: \(String(cString: strerror(errno)))") }
                offset += n
            }
            guard fdatasync(s.descriptor) == 0 else { return Failure(description: "cannot sync the feed journal: \(String(cString: strerror(errno)))") }
            return nil
        }
        if let result { throw result }
    }

    /// Starts a new generation and deletes the ones closed more than `retention` ago.
    public func rotate() {
        let now = Date().timeIntervalSince1970
        let expired: [Int] = state.withLock { s in
            let next = s.generation + 1
            let fd = open(Self.path(directory, next), O_WRONLY | O_CREAT | O_APPEND, 0o600)
            guard fd >= 0 else { return [] }  // keep writing the current one
            close(s.descriptor)
            s.closed.append((s.generation, now))
            s.descriptor = fd
            s.generation = next
            let old = s.closed.filter { now - $0.1 > retention }.map(\.0)
            s.closed.removeAll { now - $0.1 > retention }
            return old
        }
        for g in expired { try? FileManager.default.removeItem(atPath: Self.path(directory, g)) }
    }
}

#if canImport(Darwin)
/// macOS has no fdatasync; fsync is the same guarantee here.
private func fdatasync(_ fd: Int32) -> Int32 { fsync(fd) }
#endif

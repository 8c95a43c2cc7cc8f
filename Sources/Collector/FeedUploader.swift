import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Streams feed lines to a sensor's `POST /v1/feed`. Lines go to a spool file first; a sender
/// thread posts them oldest first and removes them once the sensor acknowledged them, so while
/// the sensor is unreachable (or restarting) they are delivered late rather than lost. The
/// spool is bounded: past `spoolLimit` bytes the oldest lines are dropped, and counted.
public final class FeedUploader: Sendable {
    public let url: String
    private let token: String
    public let spoolPath: String
    public let spoolLimit: Int
    private let client: HTTPClient
    private let lock = Mutex(Counts())
    /// Lines per request at most (halved after a 413).
    static let batchLines = 5000

    public struct Counts: Sendable {
        public var sent = 0
        public var dropped = 0
        public var failures = 0
        public var rejected = 0
        public var lastError: String?
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Parameter caFile: PEM certificates to trust for the sensor's TLS (a private CA).
    public init(url: String, token: String, spoolPath: String, spoolLimit: Int, caFile: String?) throws(Failure) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw Failure(description: "--to must be an http:// or https:// URL of the sensor's /v1/feed") }
        self.url = url
        self.token = token
        self.spoolPath = spoolPath
        self.spoolLimit = spoolLimit
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw Failure(description: "cannot read the CA certificates in \(caFile): \(error)")
            }
        }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: .seconds(30))))
        if !FileManager.default.fileExists(atPath: spoolPath) {
            guard FileManager.default.createFile(atPath: spoolPath, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw Failure(description: "cannot create the spool \(spoolPath): check the directory exists and is writable")
            }
        }
    }

    public var counts: Counts { lock.withLock { $0 } }

    /// Appends lines to the spool (dropping the oldest past the limit).
    public func enqueue(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        lock.withLock { c in
            guard let h = FileHandle(forWritingAtPath: spoolPath) else { return }
            h.seekToEndOfFile()
            h.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            let size = Int(h.offsetInFile)
            try? h.close()
            if size > spoolLimit { c.dropped += trimOldest(to: spoolLimit / 2) }
        }
    }

    /// Keeps the newest lines within `bytes`; returns how many lines went.
    private func trimOldest(to bytes: Int) -> Int {
        guard let data = FileManager.default.contents(atPath: spoolPath) else { return 0 }
        var start = max(0, data.count - bytes)
        while start > 0 && start < data.count && data[start - 1] != 0x0A { start += 1 }
        let dropped = data[..<start].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        try? Data(data[start...]).write(to: URL(fileURLWithPath: spoolPath))
        return dropped
    }

    /// The oldest lines of the spool, at most `limit`.
    private func peek(_ limit: Int) -> [Substring] {
        lock.withLock { _ in
            guard let data = FileManager.default.contents(atPath: spoolPath), !data.isEmpty else { return [] }
            let text = String(decoding: data, as: UTF8.self)
            return Array(text.split(separator: "\n", omittingEmptySubsequences: true).prefix(limit))
        }
    }

    /// Removes the oldest `count` lines (sent).
    private func remove(_ count: Int) {
        lock.withLock { c in
            guard let data = FileManager.default.contents(atPath: spoolPath) else { return }
            var seen = 0, cut = 0
            for (i, b) in data.enumerated() where b == 0x0A {
                seen += 1
                if seen == count { cut = i + 1; break }
            }
            if seen < count { cut = data.count }
            try? Data(data[cut...]).write(to: URL(fileURLWithPath: spoolPath))
            c.sent += count
        }
    }

    /// Posts `body` and waits for the answer on the calling thread (the sender's own: the
    /// request runs on NIO's event loops, not on Swift's cooperative pool, which a busy host
    /// process may hold); the HTTP status, or nil when the sensor could not be reached.
    func post(_ body: String) -> (Int?, String) {
        do {
            var request = try HTTPClient.Request(url: url, method: .POST)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/x-ndjson")
            request.body = .string(body)
            let response = try client.execute(request: request, deadline: .now() + .seconds(30)).wait()
            return (Int(response.status.code), response.body.map { String(buffer: $0) } ?? "")
        } catch {
            return (nil, "\(error)")
        }
    }

    /// Sends until `stopped()` and the spool is empty, or `stopped()` and the sensor is
    /// unreachable (what is left stays in the spool for the next start). Backs off
    /// exponentially (0.5 s to 30 s, with jitter) while the sensor refuses or is away.
    public func send(until stopped: () -> Bool) {
        var backoff = 0.5
        var batch = Self.batchLines
        while true {
            let lines = peek(batch)
            if lines.isEmpty {
                if stopped() { return }
                usleep(100_000)
                continue
            }
            let (status, answer) = post(lines.joined(separator: "\n") + "\n")
            switch status {
            case .some(200..<300), .some(400):
                // 400: the good lines were taken, the bad ones never will be.
                if status == 400 { lock.withLock { $0.rejected += 1; $0.lastError = String(answer.prefix(300)) } }
                remove(lines.count)
                backoff = 0.5
                batch = Self.batchLines
                continue
            case .some(413) where batch > 1:
                batch = max(1, batch / 2)
                continue
            default:
                lock.withLock { $0.failures += 1; $0.lastError = status.map { "HTTP \($0): \(answer.prefix(300))" } ?? answer }
            }
            if stopped() { return }
            let wait = backoff * Double.random(in: 0.8...1.2)
            var slept = 0.0
            while slept < wait && !stopped() {
                usleep(50_000)
                slept += 0.05
            }
            backoff = min(30, backoff * 2)
        }
    }

    public func shutdown() {
        try? client.syncShutdown()
    }
}

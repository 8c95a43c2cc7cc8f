import Foundation
import Synchronization

/// A token bucket per client: `rate` requests per second with bursts of twice that.
public final class RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, at: Double)]>([:])
    /// Clients tracked at most (past it the bucket table starts over: a flood of identities cannot grow memory).
    static let maximumClients = 100_000

    public init(rate: Double) {
        self.rate = rate
        burst = max(1, rate * 2)
    }

    /// True when `client` may make a request now (and takes a token); else the seconds until it may.
    public func take(_ client: String, now: Double = Date().timeIntervalSince1970) -> (allowed: Bool, retryAfter: Double) {
        buckets.withLock { b in
            if b.count >= Self.maximumClients && b[client] == nil { b.removeAll() }
            var entry = b[client] ?? (burst, now)
            entry.tokens = min(burst, entry.tokens + max(0, now - entry.at) * rate)
            entry.at = now
            defer { b[client] = entry }
            guard entry.tokens >= 1 else { return (false, (1 - entry.tokens) / rate) }
            entry.tokens -= 1
            return (true, 0)
        }
    }
}

import Flows

/// Signs that ICMP echo traffic carries data (DETECTION.md 3.8), summed over the echo flows of
/// one fallback channel: replies that do not return their request's payload (RFC 792 requires
/// an echo reply to return the request's data; ptunnel, icmpsh and hans answer with their own),
/// and payloads of high byte entropy (at least 6 bits per byte in payloads of 256 bytes or
/// more; ping's patterns and timestamps stay far below).
public struct ICMPTunnelEvidence: Sendable, Equatable {
    public var flows: Int
    public var requests: UInt64
    public var replies: UInt64
    /// Replies whose payload differed from their request's.
    public var differingReplies: UInt64
    public var requestBytes: UInt64
    public var replyBytes: UInt64
    public var largestPayload: Int
    /// Mean byte entropy of the payloads, bits per byte (weighted by flow).
    public var entropy: Double

    public static let entropyThreshold = 6.0
    public static let entropyMinimumPayload = 256

    /// Nil when there are no echo statistics.
    public init?(_ summaries: [ICMPEchoSummary]) {
        guard !summaries.isEmpty else { return nil }
        flows = summaries.count
        requests = summaries.reduce(0) { $0 &+ $1.requests }
        replies = summaries.reduce(0) { $0 &+ $1.replies }
        differingReplies = summaries.reduce(0) { $0 &+ $1.differingReplies }
        requestBytes = summaries.reduce(0) { $0 &+ $1.requestBytes }
        replyBytes = summaries.reduce(0) { $0 &+ $1.replyBytes }
        largestPayload = summaries.compactMap(\.payloadMaximum).max() ?? 0
        let measured = summaries.compactMap(\.meanEntropy)
        entropy = measured.isEmpty ? 0 : measured.reduce(0, +) / Double(measured.count)
    }

    public var echoMismatch: Bool { differingReplies > 0 }
    public var highEntropy: Bool { entropy >= Self.entropyThreshold && largestPayload >= Self.entropyMinimumPayload }
    public var isTunnel: Bool { echoMismatch || highEntropy }

    public var detail: String {
        "\(flows) echo flows, \(requests) requests (\(requestBytes) B) and \(replies) replies (\(replyBytes) B), "
            + "\(differingReplies) replies not echoing their request, payloads up to \(largestPayload) B at "
            + "\(Double(Int((entropy * 100).rounded())) / 100) bits/byte"
    }
}

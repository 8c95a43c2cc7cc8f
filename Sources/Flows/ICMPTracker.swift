import SensorCore

/// Echo statistics of one ICMP or ICMPv6 echo flow (RFC 792, RFC 4443 section 4), as an
/// icmp.log row: how much was sent each way, payload sizes and byte entropy, and whether the
/// replies echoed the requests' payloads (a tunnel over ICMP answers with other bytes).
public struct ICMPEchoSummary: Sendable, Equatable {
    public var start: Timestamp
    /// The flow (its ports are ICMP's type and counterpart).
    public var connection: ConnectionID
    public var requests: UInt64 = 0
    public var replies: UInt64 = 0
    /// Payload bytes (after the 8-byte echo header) per direction.
    public var requestBytes: UInt64 = 0
    public var replyBytes: UInt64 = 0
    public var payloadMinimum: Int?
    public var payloadMaximum: Int?
    /// Mean byte entropy of the non-empty payloads, bits per byte.
    public var meanEntropy: Double?
    /// Replies whose payload differs from their request's, and replies to no request seen.
    public var differingReplies: UInt64 = 0
    public var unmatchedReplies: UInt64 = 0
}

/// Collects echo statistics per ICMP echo flow. Requests are remembered by identifier and
/// sequence number with a hash of their payload, the last `remembered` of them per flow, so a
/// reply can be checked against its request. Bounded: at most `maximumFlows` flows at once.
public final class ICMPTracker {
    struct Request {
        var identifier: UInt16
        var sequence: UInt16
        var hash: UInt64
    }

    struct State {
        var summary: ICMPEchoSummary
        var entropySum = 0.0
        var entropyCount = 0
        var recent: [Request] = []
    }

    public static let maximumFlows = 65_536
    static let remembered = 16

    private var states: [UInt64: State] = [:]
    public private(set) var completed: [ICMPEchoSummary] = []

    public init() {}

    var isEmpty: Bool { states.isEmpty }

    /// An echo request (`isRequest`) or reply of the flow, with its payload.
    func echo(flow: UInt64, isRequest: Bool, identifier: UInt16, sequence: UInt16, payload: FrameBytes, at now: Timestamp,
              context: () -> ConnectionID) {
        var s: State
        if let existing = states[flow] {
            s = existing
        } else {
            if states.count >= ICMPTracker.maximumFlows, let any = states.first?.key { finish(flow: any) }
            s = State(summary: ICMPEchoSummary(start: now, connection: context()))
        }
        let n = payload.count
        s.summary.payloadMinimum = min(s.summary.payloadMinimum ?? n, n)
        s.summary.payloadMaximum = max(s.summary.payloadMaximum ?? n, n)
        if n > 0 {
            s.entropySum += ByteEntropy.bits(payload)
            s.entropyCount += 1
            s.summary.meanEntropy = s.entropySum / Double(s.entropyCount)
        }
        let hash = ICMPTracker.hash(payload)
        if isRequest {
            s.summary.requests &+= 1
            s.summary.requestBytes &+= UInt64(n)
            if s.recent.count >= ICMPTracker.remembered { s.recent.removeFirst() }
            s.recent.append(Request(identifier: identifier, sequence: sequence, hash: hash))
        } else {
            s.summary.replies &+= 1
            s.summary.replyBytes &+= UInt64(n)
            if let k = s.recent.lastIndex(where: { $0.identifier == identifier && $0.sequence == sequence }) {
                if s.recent[k].hash != hash { s.summary.differingReplies &+= 1 }
            } else {
                s.summary.unmatchedReplies &+= 1
            }
        }
        states[flow] = s
    }

    func finish(flow: UInt64) {
        if let s = states.removeValue(forKey: flow) { completed.append(s.summary) }
    }

    /// Destination unreachable messages since the last `drainUnreachable`, at most
    /// `maximumUnreachable` (the rest are counted in `unreachableDropped`).
    public private(set) var unreachable: [ICMPUnreachable] = []
    public private(set) var unreachableDropped: UInt64 = 0
    public static let maximumUnreachable = 65_536

    /// An unreachable message.
    func unreachable(_ m: ICMPUnreachable) {
        guard unreachable.count < Self.maximumUnreachable else {
            unreachableDropped &+= 1
            return
        }
        unreachable.append(m)
    }

    public func drainUnreachable() -> [ICMPUnreachable] {
        defer { unreachable = [] }
        return unreachable
    }

    public func drain() -> [ICMPEchoSummary] {
        defer { completed = [] }
        return completed
    }

    /// FNV-1a over the payload (at most its first 4 KiB): equal payloads, equal hashes.
    static func hash(_ b: FrameBytes) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in 0..<min(b.count, 4096) { h = (h ^ UInt64(b.u8(k))) &* 0x0000_0100_0000_01b3 }
        return h ^ UInt64(b.count)
    }
}

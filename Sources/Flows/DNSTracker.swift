import AppProtocols
import SensorCore

/// Pairs DNS queries with responses per flow, as Zeek's DNS script does
/// (scripts/base/protocols/dns/main.zeek): a response completes the oldest pending query
/// of its flow with the same transaction ID, a query the oldest pending response; what is
/// still pending when the flow ends is logged alone. Messages to a multicast address (mDNS,
/// LLMNR) are logged one by one, unpaired.
///
/// Bounded: at most `maximumPendingPerFlow` queries and as many responses wait per flow, and
/// pending state for at most `maximumPendingFlows` flows; past either bound the oldest waiting
/// messages are logged unmatched (counted in `flushedEarly`).
public final class DNSTracker {
    struct Pending {
        var queries: [DNSTransaction] = []
        var responses: [DNSTransaction] = []
    }

    public static let maximumPendingPerFlow = 50
    public static let maximumPendingFlows = 65_536

    private var pending: [UInt64: Pending] = [:]
    /// Transactions ready for dns.log, oldest first; drain with `drain()`.
    public private(set) var completed: [DNSTransaction] = []
    /// Pending messages logged early to stay within the bounds.
    public private(set) var flushedEarly: UInt64 = 0

    public init() {}

    /// Flows with messages waiting for their counterpart.
    public var pendingFlows: Int { pending.count }

    /// Handles one message seen at `now` on the flow identified by `flow` (any value unique
    /// per flow), whose uid and tuple `context` gives (evaluated only when a row starts).
    /// `multicast`: the flow's responder is a multicast address (mDNS, LLMNR).
    public func handle(_ m: DNSMessage, flow: UInt64, multicast: Bool, at now: Timestamp, context: () -> ConnectionID) {
        if multicast {
            var t = DNSTransaction(context(), id: m.id, start: now)
            m.isResponse ? applyResponse(m, to: &t, at: now) : applyQuery(m, to: &t)
            completed.append(t)
            return
        }
        var state = pending.removeValue(forKey: flow) ?? Pending()
        var t: DNSTransaction
        if m.isResponse {
            if let k = state.queries.firstIndex(where: { $0.transactionID == m.id }) {
                t = state.queries.remove(at: k)
            } else {
                t = DNSTransaction(context(), id: m.id, start: now)
            }
            applyResponse(m, to: &t, at: now)
        } else {
            if let k = state.responses.firstIndex(where: { $0.transactionID == m.id }) {
                t = state.responses.remove(at: k)
            } else {
                t = DNSTransaction(context(), id: m.id, start: now)
            }
            applyQuery(m, to: &t)
        }
        if t.sawQuery && t.sawResponse {
            completed.append(t)
        } else if m.isResponse {
            state.responses.append(t)
            if state.responses.count > DNSTracker.maximumPendingPerFlow { completed.append(state.responses.removeFirst()); flushedEarly &+= 1 }
        } else {
            state.queries.append(t)
            if state.queries.count > DNSTracker.maximumPendingPerFlow { completed.append(state.queries.removeFirst()); flushedEarly &+= 1 }
        }
        if !state.queries.isEmpty || !state.responses.isEmpty {
            if pending.count >= DNSTracker.maximumPendingFlows, let (other, _) = pending.first {
                flushedEarly &+= 1
                finish(flow: other)
            }
            pending[flow] = state
        }
    }

    /// The flow ended: what still waits is logged unmatched, queries first.
    public func finish(flow: UInt64) {
        guard let state = pending.removeValue(forKey: flow) else { return }
        completed += state.queries
        completed += state.responses
    }

    /// Takes the completed transactions.
    public func drain() -> [DNSTransaction] {
        defer { completed = [] }
        return completed
    }

    /// Hands each completed transaction to `body`, then forgets them, keeping the storage.
    public func drain(_ body: (DNSTransaction) -> Void) {
        for t in completed { body(t) }
        completed.removeAll(keepingCapacity: true)
    }

    /// A query sets the question and the flags only a query carries (Zeek's `dns_request`).
    func applyQuery(_ m: DNSMessage, to t: inout DNSTransaction) {
        t.sawQuery = true
        t.opcode = m.opcode
        t.recursionDesired = m.recursionDesired
        t.truncated = m.truncatedFlag
        t.z = m.z
        // Zeek raises one event per question; the last one's values stay.
        if let q = m.questions.last {
            t.query = t.connection.proto == 17 && t.connection.responderPort == 137 ? DNSTracker.netbiosName(q.name) : q.name.lowercasedDotted
            t.qclass = q.qclass
            t.qtype = q.type
        }
    }

    /// A NetBIOS name (RFC 1001 section 14.1): the first label's 32 letters 'A'..'P' give 16
    /// bytes, of which the first 15 are the name, padded with spaces; the 16th is the suffix.
    /// Zeek logs the name up to the padding. Any other name is logged as it is.
    static func netbiosName(_ name: DNSName) -> [UInt8] {
        guard let first = name.labels.first, first.count == 32 else { return name.lowercasedDotted }
        var out: [UInt8] = []
        for k in 0..<15 {
            let hi = first[2 * k] & 0xDF, lo = first[2 * k + 1] & 0xDF  // upper case
            guard (0x41...0x50).contains(hi), (0x41...0x50).contains(lo) else { return name.lowercasedDotted }
            let c = (hi - 0x41) << 4 | (lo - 0x41)
            guard c > 0x20 && c < 0x7F else { break }
            out.append(c)
        }
        return out
    }

    /// A response sets the RCODE and, from its answer records, the answers, TTLs, AA, RA and
    /// the round trip (Zeek's `set_session` and `DNS::do_reply`).
    func applyResponse(_ m: DNSMessage, to t: inout DNSTransaction, at now: Timestamp) {
        t.sawResponse = true
        t.opcode = m.opcode
        t.rcode = m.rcode
        let noRecords = m.answers.isEmpty && m.authorities.isEmpty && m.additionals.isEmpty
        if (m.rcode != 0 && m.questions.isEmpty) || (!m.questions.isEmpty && noRecords) { t.rejected = true }
        for r in m.answers {
            guard let text = DNSTransaction.render(r) else { continue }
            if t.query == nil { t.query = r.name.lowercasedDotted }
            t.authoritative = m.authoritative
            t.recursionAvailable = m.recursionAvailable
            if t.rtt == nil {
                let rtt = now.nanoseconds(since: t.start)
                t.rtt = rtt == 0 ? nil : rtt
            }
            if !text.isEmpty {
                t.answers = (t.answers ?? []) + [text]
                t.ttls = (t.ttls ?? []) + [r.ttl]
            }
        }
    }
}

extension DNSTransaction {
    init(_ c: ConnectionID, id: UInt16, start: Timestamp) {
        self.init(start: start, connection: c, transactionID: id)
    }
}

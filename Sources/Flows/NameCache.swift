import AppProtocols
import SensorCore

/// Per-client cache of DNS answers: which name each client most recently resolved to each
/// address, until the answer's TTL runs out. Flows look up (originator, responder) when
/// they start, so a flow carries the name its client asked for (the question's name, even
/// when the answer came through a CNAME chain).
///
/// Bounded: at most `capacity` entries; past it the entry that expires first is replaced.
public final class NameCache {
    struct Key: Hashable {
        var client: IPAddress
        var address: IPAddress

        /// One word into the hasher rather than six (looked up for every new flow).
        func hash(into hasher: inout Hasher) {
            hasher.combine(NameCache.mix(client) &* 31 ^ NameCache.mix(address))
        }
    }
    /// An answer: the name, when it was seen, and when its TTL runs out.
    struct Answer {
        var name: String
        var learned: Timestamp
        var expires: Timestamp
    }
    /// The two most recent answers, so a flow that began before a re-resolution still finds
    /// the answer that was valid when it began.
    struct Entry {
        var latest: Answer
        var previous: Answer?
    }

    public let capacity: Int
    private var entries: [Key: Entry] = [:]
    /// One bit per hash of every address ever answered (never cleared): most new flows go to
    /// addresses no answer named, and this tells so without a dictionary probe.
    private var answeredFilter = [UInt64](repeating: 0, count: NameCache.filterWords)
    static let filterWords = 1 << 10
    /// Answers recorded, and entries replaced to stay within capacity.
    public private(set) var recorded: UInt64 = 0
    public private(set) var evicted: UInt64 = 0
    /// Answers kept at least this long (Zeek keeps zero-TTL answers visible briefly too), seconds.
    public static let minimumTTL: Int64 = 1

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
        entries.reserveCapacity(min(self.capacity, 1 << 14))
    }

    /// Records the A/AAAA answers of a DNS response sent to `client` at `now`.
    public func record(_ m: DNSMessage, client: IPAddress, now: Timestamp) {
        guard m.isResponse, m.rcode & 0xF == 0, let question = m.questions.first, !question.name.tooLong else { return }
        var name: String? = nil
        for r in m.answers {
            guard case .address(let address) = r.data else { continue }
            if name == nil { name = question.name.text }
            let ttl = max(NameCache.minimumTTL, Int64(r.ttl))
            let key = Key(client: client, address: address)
            let bit = NameCache.filterBit(address)
            answeredFilter[bit >> 6] |= 1 << UInt64(bit & 63)
            let answer = Answer(name: name!, learned: now, expires: Timestamp(nanoseconds: now.nanoseconds &+ ttl &* 1_000_000_000))
            if let old = entries[key] {
                entries[key] = Entry(latest: answer, previous: old.latest)
            } else {
                if entries.count >= capacity { evictSoonest() }
                entries[key] = Entry(latest: answer, previous: nil)
            }
            recorded &+= 1
        }
    }

    /// The name `client` had resolved for `address` by `now` (an answer seen no later than
    /// `now` whose TTL had not run out).
    public func name(client: IPAddress, address: IPAddress, at now: Timestamp) -> String? {
        let bit = NameCache.filterBit(address)
        guard answeredFilter[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { return nil }
        guard let e = entries[Key(client: client, address: address)] else { return nil }
        if e.latest.learned <= now && now <= e.latest.expires { return e.latest.name }
        if let a = e.previous, a.learned <= now && now <= a.expires { return a.name }
        return nil
    }

    public var count: Int { entries.count }

    // Interned names: a flow keeps a 4-byte id, not a String (flows are held to 256 bytes).
    private var interned: [String] = []
    private var internIndex: [String: UInt32] = [:]
    private var generation: UInt32 = 1
    /// Names interned per generation, and their bytes; past either the table starts over and
    /// older ids read as unknown (flows still open lose their names then).
    public static let maximumInterned = (1 << 24) - 1
    public static let maximumInternedBytes = 64 << 20
    private var internedBytes = 0

    /// An id for the name `client` had resolved for `address` by `now` (0 when none), to keep in
    /// a flow and turn back into the name with `name(id:)` when the flow is recorded.
    public func nameID(client: IPAddress, address: IPAddress, at now: Timestamp) -> UInt32 {
        guard let name = name(client: client, address: address, at: now) else { return 0 }
        return intern(name)
    }

    /// An id for any name (TLS server names share the table).
    public func intern(_ name: String) -> UInt32 {
        if let i = internIndex[name] { return generation << 24 | i }
        if interned.count >= NameCache.maximumInterned || internedBytes + name.utf8.count > NameCache.maximumInternedBytes {
            interned.removeAll(keepingCapacity: false)
            internIndex.removeAll(keepingCapacity: false)
            internedBytes = 0
            generation = generation == 0xFF ? 1 : generation + 1
        }
        internedBytes += name.utf8.count
        interned.append(name)
        let i = UInt32(interned.count)  // ids start at 1 within a generation
        internIndex[name] = i
        return generation << 24 | i
    }

    /// The name behind an id from `nameID`, or nil for 0 or an id from an earlier generation.
    public func name(id: UInt32) -> String? {
        guard id != 0, id >> 24 == generation else { return nil }
        let i = Int(id & 0xFF_FFFF)
        return i >= 1 && i <= interned.count ? interned[i - 1] : nil
    }

    @inline(__always)
    static func mix(_ a: IPAddress) -> UInt64 {
        var z = (a.high &* 0x9E37_79B9_7F4A_7C15 ^ a.low) &* 0xD6E8_FEB8_6659_FD93
        z ^= z >> 32
        return a.isIPv4 ? z : ~z
    }

    @inline(__always)
    static func filterBit(_ a: IPAddress) -> Int { Int(truncatingIfNeeded: mix(a) >> 48) & (filterWords * 64 - 1) }

    private func evictSoonest() {
        // A sample keeps eviction cheap; the cache is a hint, not a record.
        var victim: Key? = nil
        var soonest = Timestamp(nanoseconds: .max)
        for (k, e) in entries.prefix(16) where victim == nil || e.latest.expires < soonest {
            soonest = e.latest.expires
            victim = k
        }
        if let victim { entries[victim] = nil; evicted &+= 1 }
    }
}

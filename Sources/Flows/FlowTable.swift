import SensorCore
import Wire

/// The flow table: bidirectional flows with Zeek's conn.log semantics.
///
/// Open addressing (linear probing, backward-shift deletion) over an index array, with
/// flow state in one dense array. Per packet it hashes the key, probes, and updates the
/// flow in place; finished flows are appended to `finished` for the caller to drain.
/// Expiry runs in bounded slices as packet time advances; past `maximumFlows` the least
/// recently active of a small sample is evicted and counted.
public final class FlowTable {
    public let settings: FlowSettings
    var flows: FlowStore
    /// Index slots: -1 empty, else an index into `flows` (bits 0-24) and a tag (bits 25-30: the
    /// hash's top six bits), so a probe passes other flows without reading them, each read a
    /// cache miss when the table is large. At least twice the flows held, so
    /// probe chains stay short and always end at an empty slot; doubled as the table fills
    /// (a small index stays in cache: a full-size one cost a cache and TLB miss per new flow).
    var slots: [Int32]
    var mask: Int
    /// The index's largest size: twice `maximumFlows`, rounded up to a power of two.
    let maximumSlots: Int
    /// The slot hash's secret words, drawn from the table's seed.
    let slotKeys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// Flows held at most: `settings.maximumFlows`, clamped to `largestMaximumFlows`.
    public let maximumFlows: Int
    /// The largest table: 2^25 flows (about 8 GiB of flow state, 256 MiB of slots).
    public static let largestMaximumFlows = 1 << 25
    /// Idle time, in nanoseconds, below which no flow has timed out: the shortest timeout,
    /// less a microsecond for rounding. Most packets pass `isExpired` on this one comparison.
    let neverExpiredBelow: Int64
    /// True while `endAll` runs: the index was cleared, so removing a flow leaves it alone.
    var indexCleared = false
    var sweepCursor = 0
    var packetsSinceSweep = 0
    var lastSweep = Timestamp.zero
    /// Records of flows that ended (or interim records), oldest first.
    public var finished: [FlowRecord] = []
    /// What each client resolved, from the DNS answers seen (gives flows `resolvedName`).
    public let names = NameCache()
    /// DNS transactions (dns.log rows), paired per flow.
    public let dns = DNSTracker()
    /// TLS sessions (ssl.log rows), followed per flow.
    public let tls = TLSTracker()
    /// HTTP/1.x transactions (http.log rows), followed per connection.
    public let http = HTTPTracker()
    /// ICMP echo statistics (icmp.log rows).
    public let icmp = ICMPTracker()
    /// SSH banners (ssh.log rows).
    public let ssh = SSHTracker()
    /// QUIC connections (quic.log rows), followed per flow.
    public let quic = QUICTracker()
    /// The UDP carriers of each flow UDP tunnels carried (conn.log's tunnel_parents), by identity.
    var tunnelParents: [UInt64: [UInt64]] = [:]
    /// TCP bytes held for dissectors that need a whole message.
    let streams = StreamReassembler()
    /// Flows created, ended by timeout, and evicted for lack of room.
    public private(set) var created: UInt64 = 0
    public internal(set) var expired: UInt64 = 0
    public private(set) var evicted: UInt64 = 0

    /// `seed` keys the slot hash; it is random per table unless given, so crafted flow keys
    /// cannot aim at one probe chain (uids do not depend on it: see `uidSeed`).
    public init(settings: FlowSettings = FlowSettings(), seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.settings = settings
        slotKeys = FlowTable.slotKeys(seed: seed)
        // A larger maximumFlows than the slot array can serve is clamped.
        let wanted = min(max(1, settings.maximumFlows), FlowTable.largestMaximumFlows)
        maximumSlots = max(1024, wanted.nextPowerOfTwo * 2)
        let capacity = min(maximumSlots, FlowTable.initialSlots)
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        maximumFlows = wanted
        let shortest = [settings.tcpInactivityTimeout, settings.udpInactivityTimeout, settings.dnsSessionTimeout,
                        settings.icmpInactivityTimeout, settings.otherInactivityTimeout, settings.tcpCloseDelay,
                        settings.tcpPartialCloseDelay, settings.tcpResetDelay].min()!
        neverExpiredBelow = shortest.isFinite && shortest > 0.001 ? Int64(min(shortest, 1e9) * 1e9) - 1000 : 0
        flows = FlowStore(capacity: min(maximumFlows, 1 << 16))
    }

    deinit { flows.free() }

    /// Flows held now.
    public var count: Int { flows.count }

    /// What the dissectors gave up on or cut short, by name, non-zero ones only: TCP bytes
    /// dropped at a gap or past the reassembly bounds, rows logged early to stay bounded, and
    /// ICMP unreachable messages past the bound between two drains.
    public var dissectorLosses: [(String, UInt64)] {
        [("tcp_reassembly_gaps", streams.gaps), ("tcp_reassembly_overflows", streams.overflows),
         ("dns_logged_early", dns.flushedEarly), ("ssl_logged_early", tls.loggedEarly),
         ("quic_logged_early", quic.loggedEarly), ("http_logged_early", http.loggedEarly),
         ("icmp_unreachable_dropped", icmp.unreachableDropped)].filter { $0.1 > 0 }
    }

    /// Updates the flows a decoded packet belongs to: the innermost one and, for UDP
    /// tunnels, the carrying UDP flow. Fragments wait for their datagram.
    /// `checksumValid` false (with `verifyChecksums` on) records `C`/`c` and ignores the packet,
    /// as Zeek does without -C.
    public func update(_ p: DecodedPacket, payload: FrameBytes, checksumValid: Bool = true) {
        guard p.ipVersion != 0 else { return }
        sweepIfDue(p.timestamp)
        var carrier: UInt64? = nil
        if p.tunnel != .none, p.tunnelSourcePort != 0 || p.tunnelDestinationPort != 0 {
            carrier = updateTunnelCarrier(p)
        }
        guard !p.isFragment else { return }  // the datagram's flow is updated when it completes
        // Teredo bubbles (IPv6 with No Next Header) only open NAT bindings; Zeek logs no flow.
        if p.tunnel == .teredo && p.ipProtocol == .noNextHeader { return }
        let (key, sourceIsLow) = FlowTable.key(of: p)
        let h = hash(key)
        var index = find(key, hash: h)
        if let i = index {
            let idle = isExpired(i, at: p.timestamp)
            if idle || isReuse(i, p, sourceIsLow: sourceIsLow) {
                if idle { expired &+= 1 }
                finish(i, interim: false)
                index = nil
            }
        }
        let i = index ?? insert(key, hash: h, p, sourceIsLow: sourceIsLow)
        if settings.verifyChecksums && !checksumValid {
            let isOrig = sourceIsLow == flows[i].originatorIsLow
            flows[i].last = p.timestamp
            withEndpoints(i, isOrig: isOrig) { e, _, h in
                FlowTable.scaled(&e.checksumCount, &e.checksumLevel, &h, letter: UInt8(ascii: "C"), isOrig: isOrig)
            }
            return
        }
        apply(p, payload: payload, to: i, sourceIsLow: sourceIsLow)
        if let carrier {  // every carrier a flow came through, as Zeek lists them (at most 8)
            let identity = FlowTable.identity(flows[i])
            if let known = tunnelParents[identity] {
                if !known.contains(carrier) && known.count < 8 { tunnelParents[identity] = known + [carrier] }
            } else {
                tunnelParents[identity] = [carrier]
            }
        }
    }

    /// The key of the flow a packet belongs to, and whether its source is the key's low side.
    /// Zeek keys TCP and UDP on ports and ICMP on type/counterpart; anything else has ports 0.
    @inline(__always)
    public static func key(of p: DecodedPacket) -> (FlowKey, Bool) {
        let proto = p.ipProtocol.rawValue
        var sport: UInt16 = 0, dport: UInt16 = 0
        if p.hasPorts && (proto == 6 || proto == 17) {
            sport = p.sourcePort; dport = p.destinationPort
        } else if p.hasICMP {
            (sport, dport, _) = CommunityID.icmpPorts(type: p.icmpType, code: p.icmpCode, version6: proto == 58)
        }
        return FlowKey.make(source: p.source, sourcePort: sport, destination: p.destination,
                            destinationPort: dport, proto: proto, vlan: p.outerVLAN)
    }

    /// The uid of the flow `p` updated, if it is in the table (for weird.log rows).
    public func uid(of p: DecodedPacket) -> String? {
        guard p.ipVersion != 0, let i = find(FlowTable.key(of: p).0) else { return nil }
        return FlowTable.uid(FlowTable.identity(flows[i]), seed: FlowTable.uidSeed)
    }

    /// Ends every flow (end of input).
    public func flushAll() {
        endAll()
    }

    /// Ends every flow (end of input), `batch` at a time, calling `afterBatch` after each so
    /// the caller can write and drain the records instead of holding every open flow's record
    /// at once. The index is cleared once up front rather than kept up per flow (a cache miss
    /// or two each), so `afterBatch` must not update the table.
    public func endAll(batch: Int = .max, afterBatch: () -> Void = {}) {
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
        indexCleared = true
        defer { indexCleared = false }
        while !flows.isEmpty {
            var left = max(1, batch)
            while left > 0 && !flows.isEmpty {
                finish(flows.count - 1, interim: false)
                left -= 1
            }
            afterBatch()
        }
    }

    /// True when a flow record or any dissector's row waits to be drained: the log writers ask
    /// once per packet, and mostly the answer is no.
    public var hasOutput: Bool {
        !finished.isEmpty || !dns.completed.isEmpty || !tls.completed.isEmpty || !quic.completed.isEmpty
            || !http.completed.isEmpty || !ssh.completed.isEmpty || !icmp.completed.isEmpty || !icmp.unreachable.isEmpty
    }

    /// Takes the finished records.
    public func drain() -> [FlowRecord] {
        defer { finished = [] }
        return finished
    }

    /// Hands each finished record to `body`, oldest first, then forgets them, keeping the
    /// storage: `drain()` gives the array away, so the next record allocates anew.
    public func drain(_ body: (FlowRecord) -> Void) {
        for r in finished { body(r) }
        finished.removeAll(keepingCapacity: true)
    }

    // MARK: Table

    /// The slot hash: each address's two words (the high address's with the ports word),
    /// XORed with secret words, multiplied to 128 bits and folded (high XOR low), and the two
    /// results multiplied and folded again, so every word passes two multiplies (with one, the
    /// ports' changes missed the low bits). Two multiplies deep, a packet's slot is known a
    /// dozen cycles after its key; the five-round mixer below took four times as long, and
    /// the slot load waited for it on every packet (SipHash cost 7% of the logs pipeline).
    /// The secret words vary per run, so crafted keys cannot aim at one probe chain.
    @inline(__always)
    func hash(_ key: FlowKey) -> Int {
        @inline(__always) func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (high, low) = a.multipliedFullWidth(by: b)
            return high ^ low
        }
        let low = fold(key.lowHigh ^ slotKeys.0, key.lowLow ^ slotKeys.1)
        let high = fold(key.highHigh ^ FlowTable.lastWord(key) ^ slotKeys.2, key.highLow ^ slotKeys.3)
        return Int(truncatingIfNeeded: fold(low ^ slotKeys.4, high ^ slotKeys.5))
    }

    /// Six secret words drawn from `seed` by SplitMix64.
    static func slotKeys(seed: UInt64) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        var state = seed
        return (splitMix64(&state), splitMix64(&state), splitMix64(&state),
                splitMix64(&state), splitMix64(&state), splitMix64(&state))
    }

    /// SplitMix64's next output: `state` moves on by the golden-ratio increment, then is mixed.
    @inline(__always)
    static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Ports, VLAN, protocol and address family in one word.
    @inline(__always)
    static func lastWord(_ key: FlowKey) -> UInt64 {
        UInt64(key.lowPort) << 48 | UInt64(key.highPort) << 32 | UInt64(key.vlan) << 16
            | UInt64(key.proto) << 8 | (key.isIPv4 ? 1 : 0)
    }

    /// The fixed seed uids are derived with, so the same input gives the same uids every run.
    static let uidSeed: UInt64 = 0x5157_4952_4551_5549

    /// The key's five words folded with `seed` by a multiply-xorshift mixer: uids are derived
    /// from it (with `uidSeed`), so it stays as it was when the slot hash changed.
    @inline(__always)
    static func hash(_ key: FlowKey, seed: UInt64) -> Int {
        @inline(__always) func mix(_ x: UInt64) -> UInt64 {
            var z = x &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 32)) &* 0xD6E8_FEB8_6659_FD93
            return z ^ (z >> 32)
        }
        let last = lastWord(key)
        var h = seed
        h = mix(h ^ key.lowHigh)
        h = mix(h ^ key.lowLow)
        h = mix(h ^ key.highHigh)
        h = mix(h ^ key.highLow)
        h = mix(h ^ last)
        return Int(truncatingIfNeeded: h)
    }

    /// Bits of a slot that hold the flow's index (`largestMaximumFlows` is 2^25).
    static let indexMask: Int32 = (1 << 25) - 1

    /// A hash's tag, placed above the index bits.
    @inline(__always)
    static func tag(_ hash: Int) -> Int32 {
        Int32(truncatingIfNeeded: UInt64(bitPattern: Int64(hash)) >> 58) << 25
    }

    func find(_ key: FlowKey) -> Int? { find(key, hash: hash(key)) }

    /// The flow with `key`, whose slot hash is `h`.
    func find(_ key: FlowKey, hash h: Int) -> Int? {
        let tag = FlowTable.tag(h)
        var s = h & mask
        while true {
            let v = slots[s]
            if v < 0 { return nil }
            if v & ~FlowTable.indexMask == tag {
                let i = Int(v & FlowTable.indexMask)
                if flows[i].key == key { return i }
            }
            s = (s + 1) & mask
        }
    }

    /// The index's first size, in slots.
    static let initialSlots = 1 << 12

    /// Doubles the index and places every flow again.
    func growSlots() {
        let capacity = slots.count * 2
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        slots.withUnsafeMutableBufferPointer { index in
            for i in flows.indices {
                let h = hash(flows[i].key)
                var s = h & mask
                while index[s] >= 0 { s = (s + 1) & mask }
                index[s] = FlowTable.tag(h) | Int32(i)
            }
        }
    }

    /// Adds a flow for `key`, whose slot hash is `h` (`find` computed it already).
    func insert(_ key: FlowKey, hash h: Int, _ p: DecodedPacket, sourceIsLow: Bool) -> Int {
        if flows.count >= maximumFlows { evictOne(now: p.timestamp) }
        if (flows.count + 1) * 2 > slots.count && slots.count < maximumSlots { growSlots() }
        let sourceIsOriginator = !shouldFlip(p)
        let flow = Flow(key: key, originatorIsLow: sourceIsOriginator == sourceIsLow,
                        start: p.timestamp, last: p.timestamp)
        created &+= 1
        flows.append(flow)
        let f = flows.count - 1
        flows[f].nameID = names.nameID(client: flows[f].originator, address: flows[f].responder, at: p.timestamp)
        var s = h & mask
        while slots[s] >= 0 { s = (s + 1) & mask }
        slots[s] = FlowTable.tag(h) | Int32(flows.count - 1)
        if sourceIsOriginator == false { flows[flows.count - 1].history.append(UInt8(ascii: "^")) }
        return flows.count - 1
    }

    /// Removes flow `i` from the table (swap-remove in `flows`, backward shift in `slots`).
    func remove(_ i: Int) {
        if indexCleared {
            let last = flows.count - 1
            if i != last { flows[i] = flows[last] }
            flows.removeLast()
            return
        }
        var s = slotOf(i)
        // Backward-shift deletion keeps probe chains intact without tombstones.
        var next = (s + 1) & mask
        while slots[next] >= 0 {
            let home = hash(flows[Int(slots[next] & FlowTable.indexMask)].key) & mask
            // Move `next` into the hole when its home is not in (s, next] cyclically.
            let inRange = s <= next ? (home > s && home <= next) : (home > s || home <= next)
            if !inRange {
                slots[s] = slots[next]
                s = next
            }
            next = (next + 1) & mask
        }
        slots[s] = -1
        let last = flows.count - 1
        if i != last {
            flows[i] = flows[last]
            let moved = slotOf(last)
            slots[moved] = slots[moved] & ~FlowTable.indexMask | Int32(i)
        }
        flows.removeLast()
    }

    func slotOf(_ i: Int) -> Int {
        var s = hash(flows[i].key) & mask
        while slots[s] < 0 || slots[s] & FlowTable.indexMask != Int32(i) { s = (s + 1) & mask }
        return s
    }

    func finish(_ i: Int, interim: Bool) {
        finished.append(record(flows[i], interim: interim))
        guard !interim else { return }
        if !tunnelParents.isEmpty && flows[i].tunnelled { tunnelParents.removeValue(forKey: FlowTable.identity(flows[i])) }
        // Only the trackers this flow can have state in: each look-up hashes (a tenth of ending a flow).
        let proto = flows[i].key.proto
        let dnsFlow = (flows[i].origServices | flows[i].respServices) & Service.dns.rawValue != 0
        // The identity hashes the key: only when some tracker holds state at all.
        guard dns.pendingFlows > 0 || !streams.isEmpty || !tls.isEmpty || !quic.isEmpty || !http.isEmpty
            || !ssh.isEmpty || !icmp.isEmpty else { remove(i); return }
        let identity = FlowTable.identity(flows[i])
        if !ssh.isEmpty { ssh.finish(flow: identity) }
        if !icmp.isEmpty && (proto == 1 || proto == 58) { icmp.finish(flow: identity) }
        if dnsFlow && dns.pendingFlows > 0 { dns.finish(flow: identity) }  // only dissectDNS feeds it
        if !tls.isEmpty { tls.finish(flow: identity) }
        if !http.isEmpty && proto == 6 { http.finish(flow: identity) }
        if !quic.isEmpty && proto == 17 {
            quic.finish(flow: identity, clientPackets: flows[i].orig.packets, serverPackets: flows[i].resp.packets)
        }
        if !streams.isEmpty && proto == 6 { streams.discard(flow: identity) }  // TCP dissectors only
        remove(i)
    }

    // MARK: Expiry and eviction

    func timeout(of f: UnsafePointer<Flow>) -> Double {
        switch f.pointee.key.proto {
        case 6:
            let o = f.pointee.orig.state, r = f.pointee.resp.state
            if o == .reset || r == .reset { return settings.tcpResetDelay }
            if o == .closed && r == .closed { return settings.tcpCloseDelay }
            let halfOpen: (EndpointState) -> Bool = { $0 == .inactive || $0 == .partial || $0 == .synSent || $0 == .synAckSent }
            if (o == .closed && halfOpen(r)) || (r == .closed && halfOpen(o)) { return settings.tcpPartialCloseDelay }
            return settings.tcpInactivityTimeout
        case 17:
            let dns = (f.pointee.origServices | f.pointee.respServices) & Service.dns.rawValue != 0
            return dns ? settings.dnsSessionTimeout : settings.udpInactivityTimeout
        case 1, 58: return settings.icmpInactivityTimeout
        default: return settings.otherInactivityTimeout
        }
    }

    /// True when `f` has been idle past its timeout at `now` (a packet then starts a new flow,
    /// as Zeek's expired connection timers do).
    @inline(__always)
    func isExpired(_ i: Int, at now: Timestamp) -> Bool {
        let f = UnsafePointer(flows.pointer(i))
        if f.pointee.key.proto == 6 && f.pointee.orig.state == .synSent && f.pointee.resp.packets == 0
            && Double(now.nanoseconds(since: f.pointee.start)) / 1e9 > settings.tcpSYNTimeout {
            return true
        }
        let idle = now.nanoseconds(since: f.pointee.last)
        if idle < neverExpiredBelow { return false }
        return Double(idle) / 1e9 > timeout(of: f)
    }

    /// Every 256 packets, or every second of packet time on a quiet link, looks at up to 64
    /// flows: ends the idle ones and writes interim records of the long-lived ones.
    @inline(__always)
    func sweepIfDue(_ now: Timestamp) {
        packetsSinceSweep &+= 1
        guard packetsSinceSweep >= 256 || now.nanoseconds &- lastSweep.nanoseconds >= 1_000_000_000, !flows.isEmpty else { return }
        packetsSinceSweep = 0
        lastSweep = now
        var examined = 0
        while examined < 64 && !flows.isEmpty {
            if sweepCursor >= flows.count { sweepCursor = 0 }
            if isExpired(sweepCursor, at: now) {
                expired &+= 1
                finish(sweepCursor, interim: false)  // the last flow moves into this index
            } else {
                let sinceStart = Double(now.nanoseconds(since: flows[sweepCursor].start)) / 1e9
                if settings.interimInterval > 0, sinceStart - Double(flows[sweepCursor].lastInterimSeconds) > settings.interimInterval {
                    finished.append(record(flows[sweepCursor], interim: true))
                    flows[sweepCursor].lastInterimSeconds = UInt32(clamping: Int(sinceStart))
                }
                sweepCursor += 1
            }
            examined += 1
        }
    }

    /// Ends every flow idle past its timeout at `now`: the live sensor's clock on a quiet
    /// link, where no packet comes to drive the sweep. O(flows); called at most once a second.
    public func expire(at now: Timestamp) {
        var i = 0
        while i < flows.count {
            if isExpired(i, at: now) {
                expired &+= 1
                finish(i, interim: false)  // the last flow moves into this index
            } else {
                i += 1
            }
        }
    }

    func evictOne(now: Timestamp) {
        var victim = -1
        var oldest = Timestamp(nanoseconds: .max)
        for k in 0..<min(8, flows.count) {
            let i = (sweepCursor + k) % flows.count
            if flows[i].last < oldest { oldest = flows[i].last; victim = i }
        }
        guard victim >= 0 else { return }
        evicted &+= 1
        finish(victim, interim: false)
    }
}

extension Int {
    var nextPowerOfTwo: Int {
        var v = 1
        while v < self { v <<= 1 }
        return v
    }
}

import SensorCore

extension FlowTable {
    /// The conn.log view of a flow.
    func record(_ f: Flow, interim: Bool) -> FlowRecord {
        let proto = f.key.proto
        let tcp = proto == 6
        let origBytes = tcp ? f.orig.tcpSize : f.orig.payloadBytes
        let respBytes = tcp ? f.resp.tcpSize : f.resp.payloadBytes
        return FlowRecord(
            // A flow is unique by its key and first packet's time, so those seed its uid.
            start: f.start, end: f.last, connection: connection(f),
            service: FlowTable.services(f).names,
            connState: FlowTable.connState(f),
            history: f.history.text,
            originatorBytes: origBytes, responderBytes: respBytes,
            originatorPackets: f.orig.packets, responderPackets: f.resp.packets,
            originatorIPBytes: f.orig.ipBytes, responderIPBytes: f.resp.ipBytes,
            missedBytes: 0,
            localOriginator: settings.localNetworks.contains(f.originator),
            localResponder: settings.localNetworks.contains(f.responder),
            vlan: f.key.vlan,
            communityID: CommunityID.compute(source: f.originator, sourcePort: f.originatorPort,
                                             destination: f.responder, destinationPort: f.responderPort,
                                             proto: proto, seed: settings.communityIDSeed),
            resolvedName: names.name(id: f.nameID),
            serverName: names.name(id: f.serverNameID),
            originatorEntropy: f.origEntropy == 255 ? nil : Double(f.origEntropy) / 30,
            portService: PortServices.name(port: f.responderPort, proto: proto),
            tunnelParents: f.tunnelled ? (tunnelParents[FlowTable.identity(f)] ?? []).map { FlowTable.uid($0, seed: FlowTable.uidSeed) } : [],
            tunnelled: f.tunnelled, interim: interim)
    }

    /// A number unique per flow and stable while it lives (its index in `flows` is not): a
    /// flow is unique by its key and first packet's time. Seeds the uid; keys side tables.
    static func identity(_ f: Flow) -> UInt64 {
        UInt64(truncatingIfNeeded: FlowTable.hash(f.key, seed: FlowTable.uidSeed)) ^ UInt64(bitPattern: f.start.nanoseconds)
    }

    /// Flow `i`'s uid and tuple, for the rows of application logs.
    func context(_ i: Int) -> ConnectionID { connection(flows[i]) }

    /// A flow's uid and endpoints.
    func connection(_ f: Flow) -> ConnectionID {
        ConnectionID(uid: FlowTable.uid(FlowTable.identity(f), seed: FlowTable.uidSeed),
                     originator: f.originator, originatorPort: f.originatorPort,
                     responder: f.responder, responderPort: f.responderPort, proto: f.key.proto)
    }

    /// The services a flow is credited with. Like Zeek's protocol signatures, HTTP, TLS and SSH
    /// need both sides to speak the protocol; DNS and QUIC are credited from either side, and so
    /// is TLS found in a QUIC client Initial.
    static func services(_ f: Flow) -> Service {
        let o = Service(rawValue: f.origServices), r = Service(rawValue: f.respServices)
        let bothSides: Service = [.http, .ssl, .ssh, .teredo]
        let eitherSide: Service = [.dns, .quic]
        // An HTTP request the server answered with any data counts (HTTP/0.9 replies have no
        // status line).
        let answeredHTTP: Service = o.contains(.http) && f.resp.tcpSize > 0 ? .http : []
        // TLS inside QUIC is known from the client's decrypted Initial alone.
        let quicTLS: Service = o.union(r).isSuperset(of: [.quic, .ssl]) ? .ssl : []
        return o.intersection(r).intersection(bothSides)
            .union(o.union(r).intersection(eitherSide))
            .union(quicTLS)
            .union(answeredHTTP)
            .union(Service(rawValue: f.tunnelServices))
    }

    /// Zeek's `conn_state` (scripts/base/protocols/conn/main.zeek).
    static func connState(_ f: Flow) -> String {
        let os = f.orig.state, rs = f.resp.state
        switch f.key.proto {
        case 6:
            let oInactive = os == .inactive || os == .partial
            let rInactive = rs == .inactive || rs == .partial
            if rs == .reset {
                if os == .synSent || os == .synAckSent || (os == .reset && f.orig.tcpSize == 0 && f.resp.tcpSize == 0) {
                    return "REJ"
                }
                return oInactive ? "RSTRH" : "RSTR"
            }
            if os == .reset {
                if rInactive { return startsWithSYNThenReset(f.history.bytes) ? "RSTOS0" : "OTH" }
                return "RSTO"
            }
            if rs == .closed && os == .closed { return "SF" }
            if os == .closed { return rInactive ? "SH" : "S2" }
            if rs == .closed { return oInactive ? "SHR" : "S3" }
            if os == .synSent && rs == .inactive { return "S0" }
            if os == .established && rs == .established { return "S1" }
            return "OTH"
        case 17:
            if os == .active { return rs == .active ? "SF" : "S0" }
            return rs == .active ? "SHR" : "OTH"
        default:
            return "OTH"
        }
    }

    /// Zeek's `/\^?S[^HAFGIQ]*R.*/` on the history.
    static func startsWithSYNThenReset(_ h: [UInt8]) -> Bool {
        var i = 0
        if i < h.count && h[i] == UInt8(ascii: "^") { i += 1 }
        guard i < h.count, h[i] == UInt8(ascii: "S") else { return false }
        i += 1
        while i < h.count {
            switch h[i] {
            case UInt8(ascii: "R"): return true
            case UInt8(ascii: "H"), UInt8(ascii: "A"), UInt8(ascii: "F"), UInt8(ascii: "G"),
                 UInt8(ascii: "I"), UInt8(ascii: "Q"): return false
            default: i += 1
            }
        }
        return false
    }

    static let base62: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    /// A Zeek-style uid: "C" and 14 base62 characters (83 bits; Zeek's have up to 17, and tools
    /// treat them as opaque), derived from the run's seed and the flow's key and start, so the
    /// same input gives the same uids every time. Fifteen bytes fit inside a String, so making
    /// one (per flow and per log row) allocates nothing and copies of it count no references.
    static func uid(_ counter: UInt64, seed: UInt64) -> String {
        var state = counter &+ seed &* 0x9E37_79B9_7F4A_7C15
        let words = (splitMix64(&state), splitMix64(&state))
        let digits = base62.utf8Start
        return base62Pairs.withUnsafeBufferPointer { pairs in
            String(unsafeUninitializedCapacity: 15) { out in
                out[0] = UInt8(ascii: "C")
                var n = 1
                for w in 0..<2 {  // seven digits (41 bits) from each word, lowest first
                    var a = w == 0 ? words.0 : words.1
                    for _ in 0..<3 {
                        let pair = pairs[Int(a % 3844)]
                        out[n] = UInt8(truncatingIfNeeded: pair)
                        out[n + 1] = UInt8(truncatingIfNeeded: pair >> 8)
                        a /= 3844
                        n += 2
                    }
                    out[n] = digits[Int(a % 62)]
                    n += 1
                }
                return 15
            }
        }
    }

    /// Two base62 digits per entry, for x in 0..<62²: x % 62's digit in the low byte, x / 62's
    /// in the high one (half the divisions of one digit at a time).
    static let base62Pairs: [UInt16] = (0..<3844).map { x in
        UInt16(base62.utf8Start[x % 62]) | UInt16(base62.utf8Start[x / 62]) << 8
    }
}

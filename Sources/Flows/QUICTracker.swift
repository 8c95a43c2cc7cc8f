import AppProtocols
import SensorCore

/// Follows QUIC connections for quic.log from their packets' cleartext headers (RFC 9000
/// section 17): versions, connection IDs, the long-header packet types in order, and the
/// TLS hellos the TLS tracker decrypts. Datagrams are examined while the flow is in its first
/// packets (the handshake); short-header packets after that are counted at the flow's end.
/// Bounded like the other trackers: at most `maximumSessions` at once.
public final class QUICTracker {
    struct State {
        var session: QUICSession
        /// Short-header packets seen, and the next count that adds a letter, per side.
        var short: (client: UInt64, server: UInt64) = (0, 0)
        var threshold: (client: UInt64, server: UInt64) = (1, 1)
        /// Datagrams examined per side (the rest are counted as short packets at the end).
        var examined: (client: UInt64, server: UInt64) = (0, 0)
        /// Where the last datagram's first Initial letter is in the history (a hello it
        /// completes is lettered right after it).
        var lastInitialLetter: Int? = nil
    }

    public static let maximumSessions = 262_144
    static let maximumHistory = 100
    /// Long-header packets walked at most per datagram (coalesced packets, RFC 9000 section 12.2).
    static let maximumPacketsPerDatagram = 8

    private var states: [UInt64: State] = [:]
    public private(set) var completed: [QUICSession] = []
    public private(set) var loggedEarly: UInt64 = 0

    public init() {}

    var isEmpty: Bool { states.isEmpty }

    /// A datagram of a flow that speaks QUIC, from the client (the originator) or the server.
    func datagram(_ d: FrameBytes, flow: UInt64, fromClient: Bool, at now: Timestamp, context: () -> ConnectionID) {
        var state: State
        if let s = states[flow] {
            state = s
        } else {
            // A connection starts at a long-header packet of a version we know.
            guard ServiceDetector.looksLikeQUICLongHeader(d) else { return }
            if states.count >= QUICTracker.maximumSessions, let oldest = states.min(by: { $0.value.session.start < $1.value.session.start })?.key {
                loggedEarly &+= 1
                finish(flow: oldest, clientPackets: 0, serverPackets: 0)
            }
            state = State(session: QUICSession(start: now, connection: context(), version: d.be32(1)))
        }
        if fromClient { state.examined.client += 1 } else { state.examined.server += 1 }
        state.lastInitialLetter = nil
        var o = 0
        var packets = 0
        while d.count - o >= 1 && packets < QUICTracker.maximumPacketsPerDatagram {
            packets += 1
            guard d.u8(o) & 0x80 != 0 else {
                // A short header (fixed bit set) runs to the datagram's end; anything else after
                // a packet is discarded (padding, garbage): Zeek's X.
                if d.u8(o) & 0x40 != 0 { countShort(&state, fromClient: fromClient, packets: 1) } else { letter(&state, "X", fromClient) }
                break
            }
            let before = state.session.history.count
            let (next, type) = longPacket(d, at: o, fromClient: fromClient, state: &state)
            if type == 0 && state.lastInitialLetter == nil && state.session.history.count > before { state.lastInitialLetter = before }
            guard let next else { break }
            o = next
        }
        states[flow] = state
    }

    /// Reads the long-header packet at `o`; returns where the next coalesced packet starts (nil
    /// at the datagram's end or what cannot be read) and the packet type (v1 numbering).
    func longPacket(_ d: FrameBytes, at o: Int, fromClient: Bool, state s: inout State) -> (Int?, Int?) {
        guard d.count - o >= 7 else { return (nil, nil) }
        let first = d.u8(o), version = d.be32(o + 1)
        var p = o + 5
        let dcidLength = Int(d.u8(p)); p += 1
        guard dcidLength <= 20, d.count - p >= dcidLength + 1 else { return (nil, nil) }
        let dcid = (0..<dcidLength).map { d.u8(p + $0) }
        p += dcidLength
        let scidLength = Int(d.u8(p)); p += 1
        guard scidLength <= 20, d.count - p >= scidLength else { return (nil, nil) }
        let scid = (0..<scidLength).map { d.u8(p + $0) }
        p += scidLength
        if version == 0 { return (nil, nil) }  // version negotiation: no packet type
        guard version == 1 || version == 0x6b33_43cf || version >> 8 == 0xff0000 else {
            letter(&s, "U", fromClient)
            return (nil, nil)
        }
        // Packet types: v1 Initial 0, 0-RTT 1, Handshake 2, Retry 3; v2 Initial 1, 0-RTT 2, Handshake 3, Retry 0.
        var type = Int((first >> 4) & 3)
        if version == 0x6b33_43cf { type = (type + 3) & 3 }
        if fromClient {
            if s.session.clientInitialDCID == nil && !dcid.isEmpty { s.session.clientInitialDCID = dcid }
            s.session.clientSCID = scid
        } else {
            s.session.serverSCID = scid
        }
        letter(&s, ["I", "Z", "H", "R"][type], fromClient)
        if type == 3 { return (nil, type) }  // Retry: the rest of the datagram is its token and tag
        if type == 0 {  // Initial: a token before the length
            guard let tokenLength = varint(d, &p), d.count - p >= tokenLength else { return (nil, type) }
            p += tokenLength
        }
        guard let length = varint(d, &p), d.count - p >= length else { return (nil, type) }
        return (p + length, type)
    }

    func varint(_ d: FrameBytes, _ o: inout Int) -> Int? {
        guard o < d.count else { return nil }
        let length = 1 << Int(d.u8(o) >> 6)
        guard d.count - o >= length else { return nil }
        var v = UInt64(d.u8(o) & 0x3f)
        for k in 1..<length { v = v << 8 | UInt64(d.u8(o + k)) }
        o += length
        return v <= UInt64(Int32.max) ? Int(v) : nil
    }

    /// The TLS tracker completed a hello in this flow's last datagram: S after that datagram's
    /// Initial; a client's gives the SNI and first ALPN protocol.
    func helloCompleted(flow: UInt64, fromClient: Bool, client hello: TLSClientHello?) {
        guard var s = states[flow], s.session.history.count < QUICTracker.maximumHistory else { return }
        if let hello {
            s.session.serverName = hello.serverName
            s.session.clientProtocol = hello.alpn.first
        }
        let letter = UInt8(ascii: fromClient ? "S" : "s")
        if let k = s.lastInitialLetter, k < s.session.history.count {
            s.session.history.insert(letter, at: k + 1)
        } else {
            s.session.history.append(letter)
        }
        states[flow] = s
    }

    /// The flow ended after `clientPackets` and `serverPackets` datagrams: those not examined
    /// were short-header packets; the session is logged.
    func finish(flow: UInt64, clientPackets: UInt64, serverPackets: UInt64) {
        guard var s = states.removeValue(forKey: flow) else { return }
        countShort(&s, fromClient: true, packets: clientPackets > s.examined.client ? clientPackets - s.examined.client : 0)
        countShort(&s, fromClient: false, packets: serverPackets > s.examined.server ? serverPackets - s.examined.server : 0)
        completed.append(s.session)
    }

    public func drain() -> [QUICSession] {
        defer { completed = [] }
        return completed
    }

    func countShort(_ s: inout State, fromClient: Bool, packets: UInt64) {
        guard packets > 0 else { return }
        if fromClient {
            s.short.client += packets
            while s.short.client >= s.threshold.client { letter(&s, "O", true); s.threshold.client *= 2 }
        } else {
            s.short.server += packets
            while s.short.server >= s.threshold.server { letter(&s, "O", false); s.threshold.server *= 2 }
        }
    }

    func letter(_ s: inout State, _ c: Character, _ fromClient: Bool) {
        guard s.session.history.count < QUICTracker.maximumHistory, let ascii = c.asciiValue else { return }
        s.session.history.append(fromClient ? ascii : ascii | 0x20)
    }
}

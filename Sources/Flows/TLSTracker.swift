import AppProtocols
import SensorCore

/// Follows the cleartext part of TLS sessions, per flow, for ssl.log: the ClientHello (also
/// when it spans segments), ServerHello, ServerKeyExchange, ChangeCipherSpec and alerts of
/// TLS over TCP, and the hellos of QUIC that the flow table hands over. Records are scanned
/// in order through the stream reassembler; records nobody reads (certificates, application
/// data) are skipped without being held. A session stops being scanned once both sides
/// encrypt. Bounded: at most `maximumSessions` sessions are followed at once; past it the
/// oldest-started is logged early (counted in `loggedEarly`).
public final class TLSTracker {
    struct State {
        var session: SSLSession
        var clientHello: TLSClientHello?
        var serverHello: TLSServerHello?
        var clientIsOriginator = true
        var clientEncrypted = false
        var serverEncrypted = false
        var clientSentData = false
        var serverSentData = false
        /// A side sent something that is not TLS: stop scanning it.
        var broken = false
        /// QUIC: the version and the client's first Destination Connection ID (the Initial keys).
        var quicVersion: UInt32 = 0
        var quicConnectionID: [UInt8] = []
        /// CRYPTO frames of the client's Initials until the ClientHello is whole.
        var quicCrypto: [(offset: Int, data: [UInt8])] = []
        var done: Bool { broken || established }
        var established: Bool { session.established }
    }

    public static let maximumSessions = 262_144
    /// History letters kept at most.
    static let maximumHistory = 64

    private var states: [UInt64: State] = [:]
    public private(set) var completed: [SSLSession] = []
    public private(set) var loggedEarly: UInt64 = 0

    public init() {}

    var isEmpty: Bool { states.isEmpty }

    func isFollowing(_ flow: UInt64) -> Bool { states[flow] != nil }

    func isDone(_ flow: UInt64) -> Bool { states[flow]?.done ?? true }

    /// Starts following a flow whose client just began a handshake.
    func begin(flow: UInt64, at now: Timestamp, clientIsOriginator: Bool, context: ConnectionID) {
        guard states[flow] == nil else { return }
        if states.count >= TLSTracker.maximumSessions, let oldest = states.min(by: { $0.value.session.start < $1.value.session.start })?.key {
            loggedEarly &+= 1
            finish(flow: oldest)
        }
        var s = State(session: SSLSession(start: now, connection: context))
        s.clientIsOriginator = clientIsOriginator
        states[flow] = s
    }

    /// Scans a TCP segment of a followed flow. Returns the ClientHello if this segment completed it.
    func segment(flow: UInt64, fromOriginator: Bool, sequence: UInt32, payload: FrameBytes,
                 streams: StreamReassembler) -> TLSClientHello? {
        guard var state = states[flow], !state.done else { return nil }
        let fromClient = fromOriginator == state.clientIsOriginator
        var hello: TLSClientHello? = nil
        streams.deliver(StreamReassembler.Key(flow: flow, fromOriginator: fromOriginator, dissector: .tls), sequence: sequence, payload: payload) { bytes in
            scanRecords(bytes, fromClient: fromClient, state: &state, hello: &hello)
        }
        states[flow] = state
        if state.done { streams.discard(flow: flow, dissector: .tls) }
        return hello
    }

    /// The CRYPTO stream of the client's Initials is collected up to this many bytes.
    static let maximumQUICCrypto = 16_384

    /// A decrypted client Initial of a followed QUIC flow: its CRYPTO frames join the stream;
    /// returns the ClientHello when this packet completed it.
    func quicClientInitial(_ initial: QUICInitial.Packet, flow: UInt64) -> TLSClientHello? {
        guard var state = states[flow], state.clientHello == nil else { return nil }
        if state.quicConnectionID.isEmpty {
            state.quicVersion = initial.version
            state.quicConnectionID = initial.destinationConnectionID
        }
        for frame in initial.crypto where frame.offset < TLSTracker.maximumQUICCrypto && state.quicCrypto.count < 64 {
            state.quicCrypto.append((frame.offset, Array(frame.data.prefix(TLSTracker.maximumQUICCrypto - frame.offset))))
        }
        let stream = QUICInitial.contiguous(state.quicCrypto)
        var hello: TLSClientHello? = nil
        if stream.count >= 4, stream[0] == 1 {
            let length: Int = Int(stream[1]) << 16 | Int(stream[2]) << 8 | Int(stream[3])
            let needed = 4 + length
            if stream.count >= needed {
                hello = stream.withUnsafeBytes { TLSClientHello.parse(FrameBytes($0)) }
                if let hello { apply(hello, to: &state, transport: "q") }
                state.quicCrypto = []
            }
        }
        states[flow] = state
        return hello
    }

    /// The connection ID a followed QUIC flow's client first chose, until its ClientHello is whole.
    func quicConnectionID(flow: UInt64) -> [UInt8]? {
        guard let state = states[flow], state.clientHello == nil, !state.quicConnectionID.isEmpty else { return nil }
        return state.quicConnectionID
    }

    /// A datagram from the server of a QUIC flow: its Initial, decrypted with the keys the
    /// client's connection ID gives, carries the ServerHello.
    /// Returns true when the datagram carried the ServerHello.
    @discardableResult
    func quicServerDatagram(_ datagram: FrameBytes, flow: UInt64) -> Bool {
        guard var state = states[flow], state.serverHello == nil, !state.quicConnectionID.isEmpty,
              let initial = QUICInitial.decryptServerInitial(datagram, clientConnectionID: state.quicConnectionID),
              initial.startsServerHello,
              let hello = initial.contiguousCrypto.withUnsafeBytes({ TLSServerHello.parse(FrameBytes($0)) }) else { return false }
        apply(hello, to: &state)
        states[flow] = state
        return true
    }

    /// The flow ended: its session, if any, is logged.
    func finish(flow: UInt64) {
        guard let state = states.removeValue(forKey: flow), state.clientHello != nil else { return }
        completed.append(state.session)
    }

    /// Takes the sessions ready for ssl.log.
    public func drain() -> [SSLSession] {
        defer { completed = [] }
        return completed
    }

    // MARK: Records (RFC 8446 section 5.1, RFC 5246 section 6.2)

    /// Reads whole records from `b`; returns the bytes used (past the end to skip a record
    /// whose body is not needed).
    func scanRecords(_ b: FrameBytes, fromClient: Bool, state s: inout State, hello: inout TLSClientHello?) -> Int {
        var o = 0
        var records = 0
        while b.count - o >= 5 && !s.done && records < 64 {
            records += 1
            let type = b.u8(o), length = Int(b.be16(o + 3))
            guard (20...24).contains(type), b.u8(o + 1) == 3 || b.u8(o + 1) == 0xFE, length <= 18_432 else {
                s.broken = true
                return b.count
            }
            let encrypted = fromClient ? s.clientEncrypted : s.serverEncrypted
            let needed = type == 21 || (type == 22 && !encrypted)
            guard b.count - (o + 5) >= length else {
                return needed ? o : o + 5 + length  // wait for the rest, or skip it unseen
            }
            let body = b.slice(o + 5 ..< o + 5 + length)
            o += 5 + length
            switch type {
            case 20:  // change_cipher_spec
                letter(&s, "I", fromClient)
                if fromClient { s.clientEncrypted = true } else { s.serverEncrypted = true }
            case 21:  // alert: readable only before encryption
                letter(&s, "L", fromClient)
                if !encrypted && length == 2 { s.session.lastAlert = body.u8(1) }
            case 22:
                if !encrypted { handshake(body, fromClient: fromClient, state: &s, hello: &hello) }
            case 23:  // application_data
                if fromClient { s.clientSentData = true } else { s.serverSentData = true }
            default:  // heartbeat
                letter(&s, "B", fromClient)
            }
            updateEstablished(&s)
        }
        return o
    }

    /// Handshake messages inside one record (a message continued in the next record is noted
    /// by its letter only).
    func handshake(_ b: FrameBytes, fromClient: Bool, state s: inout State, hello: inout TLSClientHello?) {
        var o = 0
        var messages = 0
        while b.count - o >= 4 && messages < 32 {
            messages += 1
            let type = b.u8(o)
            let length = Int(b.u8(o + 1)) << 16 | Int(b.u8(o + 2)) << 8 | Int(b.u8(o + 3))
            let whole = b.count - (o + 4) >= length
            let message = b.slice(o ..< min(b.count, o + 4 + length))
            switch type {
            case 1 where fromClient && whole:
                if let h = TLSClientHello.parse(message), s.clientHello == nil {
                    apply(h, to: &s, transport: "t")
                    hello = h
                }
                letter(&s, "C", true)
            case 2 where !fromClient && whole:
                if let h = TLSServerHello.parse(message) {
                    letter(&s, h.isHelloRetryRequest ? "J" : "S", false)
                    if !h.isHelloRetryRequest {
                        apply(h, to: &s)
                        // TLS 1.3 encrypts everything after the ServerHello, both ways.
                        if h.isTLS13 { s.serverEncrypted = true; s.clientEncrypted = true }
                    }
                } else {
                    letter(&s, "S", false)
                }
            case 12 where whole && length >= 3 && message.u8(4) == 3:  // ServerKeyExchange, named curve
                letter(&s, "K", fromClient)
                if s.session.curve == nil { s.session.curve = message.be16(5) }
            default:
                letter(&s, TLSTracker.letters[Int(type)] ?? "Z", fromClient)
            }
            guard whole else { return }
            o += 4 + length
        }
    }

    /// ssl_history letters by handshake type (upper case; the server's are lower case).
    static let letters: [Int: Character] = [0: "H", 1: "C", 2: "S", 3: "V", 4: "T", 5: "E", 8: "O", 11: "X", 12: "K", 13: "R",
                                            14: "N", 15: "Y", 16: "G", 20: "F", 21: "W", 22: "U", 23: "A", 24: "P", 254: "M"]

    func letter(_ s: inout State, _ c: Character, _ fromClient: Bool) {
        guard s.session.history.count < TLSTracker.maximumHistory, let ascii = c.asciiValue else { return }
        s.session.history.append(fromClient ? ascii : ascii | 0x20)
    }

    func apply(_ h: TLSClientHello, to s: inout State, transport: Character) {
        s.clientHello = h
        s.session.serverName = h.serverName
        s.session.ja3 = h.ja3
        s.session.ja4 = h.ja4(transport: transport)
        s.session.clientALPN = h.alpn
        s.session.hasECH = h.hasECH
        if transport == "q" { letter(&s, "C", true) }
    }

    func apply(_ h: TLSServerHello, to s: inout State) {
        s.serverHello = h
        s.session.version = h.version
        s.session.cipher = h.cipherSuite
        if let g = h.keyShareGroup { s.session.curve = g }
        s.session.nextProtocol = h.alpn
        let clientID = s.clientHello?.sessionID ?? []
        // TLS 1.3 servers echo the client's session ID for middlebox compatibility: there only a
        // PSK means resumption (Zeek applies the echo rule to versions it does not know as 1.3).
        let knownTLS13 = h.version == 0x0304 || h.version >> 8 == 0x7F
        s.session.resumed = h.acceptedPSK || (!h.sessionID.isEmpty && h.sessionID == clientID && !knownTLS13)
        if s.session.connection.proto == 17 { letter(&s, "S", false) }
    }

    /// Before TLS 1.3 both sides' ChangeCipherSpec end the handshake; in TLS 1.3 both sides'
    /// first encrypted records after the ServerHello do.
    func updateEstablished(_ s: inout State) {
        guard !s.session.established, let server = s.serverHello else { return }
        if server.isTLS13 {
            s.session.established = s.clientSentData && s.serverSentData
        } else {
            s.session.established = s.clientEncrypted && s.serverEncrypted
        }
    }
}

import AppProtocols
import SensorCore

/// Follows HTTP/1.x connections for http.log: every request and response head in order
/// (pipelined requests are answered in order, RFC 9112 section 9.3.2), with bodies framed by
/// Content-Length or chunked coding skipped through the stream reassembler without being held.
/// A CONNECT answered 2xx, or a 101 Switching Protocols, turns the connection into a tunnel
/// that is no longer read; so does anything that is not HTTP. Bounded: at most
/// `maximumPending` requests wait per connection and `maximumSessions` connections are
/// followed at once (past either the oldest are logged early, counted in `loggedEarly`).
public final class HTTPTracker {
    enum Mode: Equatable {
        case head
        case chunkSize
        case chunkTrailer
        /// A response body that runs to the end of the connection.
        case untilClose
        case stopped
    }

    struct State {
        var template: HTTPTransaction
        var client = Mode.head
        var server = Mode.head
        /// Requests in order; the first is the one the server answers now.
        var pending: [HTTPTransaction] = []
        var depth = 0
        /// The response under way has its head (its transaction is `pending[0]`).
        var answering = false
        var started: Timestamp
    }

    public static let maximumSessions = 262_144
    public static let maximumPending = 64

    private var states: [UInt64: State] = [:]
    public private(set) var completed: [HTTPTransaction] = []
    public private(set) var loggedEarly: UInt64 = 0

    public init() {}

    var isEmpty: Bool { states.isEmpty }

    func isFollowing(_ flow: UInt64) -> Bool { states[flow] != nil }

    /// Starts following a connection whose client just sent a request line.
    func begin(flow: UInt64, at now: Timestamp, context c: ConnectionID) {
        guard states[flow] == nil else { return }
        if states.count >= HTTPTracker.maximumSessions, let oldest = states.min(by: { $0.value.started < $1.value.started })?.key {
            loggedEarly &+= 1
            finish(flow: oldest)
        }
        let template = HTTPTransaction(start: now, connection: c, depth: 0)
        states[flow] = State(template: template, started: now)
    }

    /// Scans a segment of a followed connection.
    func segment(flow: UInt64, fromClient: Bool, sequence: UInt32, payload: FrameBytes, at now: Timestamp,
                 streams: StreamReassembler) {
        guard var state = states[flow] else { return }
        if (fromClient ? state.client : state.server) == .stopped { return }
        streams.deliver(StreamReassembler.Key(flow: flow, fromOriginator: fromClient, dissector: .http), sequence: sequence,
                        payload: payload) { bytes in
            scan(bytes, fromClient: fromClient, state: &state, at: now)
        }
        states[flow] = state
    }

    /// The connection ended: what waits is logged.
    func finish(flow: UInt64) {
        guard let state = states.removeValue(forKey: flow) else { return }
        completed += state.pending
    }

    public func drain() -> [HTTPTransaction] {
        defer { completed = [] }
        return completed
    }

    // MARK: Messages

    /// Reads heads and body framing from `b`; returns the bytes used (past the end to skip body
    /// bytes still to come).
    func scan(_ b: FrameBytes, fromClient: Bool, state s: inout State, at now: Timestamp) -> Int {
        var o = 0
        var steps = 0
        while o < b.count && steps < 512 {
            steps += 1
            switch fromClient ? s.client : s.server {
            case .stopped:
                return b.count
            case .untilClose:
                if !s.pending.isEmpty { s.pending[0].responseBodyLength &+= UInt64(b.count - o) }
                return b.count
            case .head:
                switch HTTPMessageHead.parse(b.slice(o ..< b.count)) {
                case .incomplete:
                    return o
                case .invalid:
                    setMode(&s, fromClient, .stopped)
                    return b.count
                case .head(let head):
                    o += head.length
                    let bodyLength = fromClient ? request(head, state: &s, at: now) : response(head, state: &s)
                    if let bodyLength, bodyLength > 0 {
                        addBody(&s, fromClient, UInt64(bodyLength))
                        if bodyLength > b.count - o {
                            if !fromClient { finishResponse(&s) }
                            return o + bodyLength  // skipped unseen
                        }
                        o += bodyLength
                    }
                    if !fromClient && bodyLength != nil { finishResponse(&s) }
                }
            case .chunkSize:
                // "HEX[;extensions] CRLF" (RFC 9112 section 7.1).
                guard let lineEnd = (o..<min(b.count, o + 1024)).first(where: { b.u8($0) == 0x0A }) else {
                    if b.count - o >= 1024 { setMode(&s, fromClient, .stopped); return b.count }
                    return o
                }
                var size = 0
                var digits = 0
                for k in o..<lineEnd {
                    let c = b.u8(k)
                    guard let v = hexValue(c) else { break }
                    size = size << 4 | v
                    digits += 1
                    guard digits <= 8 else { setMode(&s, fromClient, .stopped); return b.count }
                }
                guard digits > 0 else { setMode(&s, fromClient, .stopped); return b.count }
                o = lineEnd + 1
                if size == 0 {
                    setMode(&s, fromClient, .chunkTrailer)
                } else {
                    addBody(&s, fromClient, UInt64(size))
                    if size + 2 > b.count - o { return o + size + 2 }  // data and its CRLF, skipped
                    o += size + 2
                }
            case .chunkTrailer:
                guard let lineEnd = (o..<min(b.count, o + 8192)).first(where: { b.u8($0) == 0x0A }) else {
                    if b.count - o >= 8192 { setMode(&s, fromClient, .stopped); return b.count }
                    return o
                }
                let empty = lineEnd == o || (lineEnd == o + 1 && b.u8(o) == 0x0D)
                o = lineEnd + 1
                if empty {
                    setMode(&s, fromClient, .head)
                    if !fromClient { finishResponse(&s) }
                }
            }
        }
        return o
    }

    /// A request head: a new transaction. Returns the body length (nil: none; chunked sets the mode).
    func request(_ head: HTTPMessageHead, state s: inout State, at now: Timestamp) -> Int? {
        guard case .request(let method, let target) = head.start else {
            s.client = .stopped
            return nil
        }
        s.depth += 1
        var t = s.template
        t.start = now
        t.depth = s.depth
        t.method = method
        t.uri = target
        t.host = head.host
        t.version = head.version
        t.userAgent = head.userAgent
        t.referrer = head.referrer
        t.origin = head.origin
        if s.pending.count >= HTTPTracker.maximumPending {
            completed.append(s.pending.removeFirst())
            loggedEarly &+= 1
        }
        s.pending.append(t)
        if head.version == Array("0.9".utf8) {  // the reply is the body alone, up to the close
            s.answering = true
            s.server = .untilClose
            return nil
        }
        if head.chunked { s.client = .chunkSize; return nil }
        return head.contentLength
    }

    /// A response head: completes the oldest request's transaction. Returns the body length
    /// (nil: no body to frame, the mode says what follows).
    func response(_ head: HTTPMessageHead, state s: inout State) -> Int? {
        guard case .response(let status, let reason) = head.start else {
            s.server = .stopped
            return nil
        }
        if s.pending.isEmpty {  // a response to a request not seen
            s.depth += 1
            var t = s.template
            t.depth = s.depth
            s.pending.append(t)
        }
        if status >= 100 && status < 200 && status != 101 {
            s.pending[0].infoCode = status
            s.pending[0].infoMessage = reason
            return nil
        }
        s.pending[0].statusCode = status
        s.pending[0].statusMessage = reason
        if s.pending[0].version == nil { s.pending[0].version = head.version }
        s.answering = true
        let method = s.pending[0].method ?? []
        if status == 101 || (method == Array("CONNECT".utf8) && status >= 200 && status < 300) {
            // The connection now carries another protocol (a WebSocket, a proxied tunnel).
            finishResponse(&s)
            s.client = .stopped
            s.server = .stopped
            return nil
        }
        if method == Array("HEAD".utf8) || status == 204 || status == 304 { return 0 }
        if head.chunked { s.server = .chunkSize; return nil }
        if let n = head.contentLength { return n }
        s.server = .untilClose
        return nil
    }

    func finishResponse(_ s: inout State) {
        guard s.answering, !s.pending.isEmpty else { return }
        completed.append(s.pending.removeFirst())
        s.answering = false
    }

    func addBody(_ s: inout State, _ fromClient: Bool, _ n: UInt64) {
        if fromClient {
            if !s.pending.isEmpty { s.pending[s.pending.count - 1].requestBodyLength &+= n }
        } else if !s.pending.isEmpty {
            s.pending[0].responseBodyLength &+= n
        }
    }

    func setMode(_ s: inout State, _ fromClient: Bool, _ mode: Mode) {
        if fromClient { s.client = mode } else { s.server = mode }
    }

    func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: Int(c - 0x30)
        case 0x41...0x46: Int(c - 0x41 + 10)
        case 0x61...0x66: Int(c - 0x61 + 10)
        default: nil
        }
    }
}

import SensorCore

/// One SSH connection's version banners (RFC 4253 section 4.2), as an ssh.log row.
public struct SSHSession: Sendable, Equatable {
    public var start: Timestamp
    public var connection: ConnectionID
    /// The protocol version the banners announce: 2 ("SSH-2.0", "SSH-1.99"), 1, or nil.
    public var version: Int?
    /// The client's and the server's identification lines, without CR LF ("SSH-2.0-OpenSSH_9.6").
    public var client: [UInt8]?
    public var server: [UInt8]?
}

/// Keeps the identification banners of SSH connections for ssh.log. A banner is the first
/// line of a side's first payload that starts with "SSH-", at most 255 bytes (RFC 4253
/// section 4.2). Bounded: at most `maximumSessions` connections held.
public final class SSHTracker {
    public static let maximumSessions = 262_144
    private var states: [UInt64: SSHSession] = [:]
    public private(set) var completed: [SSHSession] = []

    public init() {}

    var isEmpty: Bool { states.isEmpty }

    /// Records the banner in `payload`, sent by the client (originator) or the server.
    func banner(_ payload: FrameBytes, flow: UInt64, fromClient: Bool, at now: Timestamp, context: () -> ConnectionID) {
        let n = min(payload.count, 255)
        var end = 0
        while end < n && payload.u8(end) != 0x0D && payload.u8(end) != 0x0A { end += 1 }
        let line = (0..<end).map { payload.u8($0) }
        guard line.starts(with: Array("SSH-".utf8)) else { return }
        var s: SSHSession
        if let existing = states[flow] {
            s = existing
        } else {
            if states.count >= SSHTracker.maximumSessions, let any = states.first?.key { finish(flow: any) }
            s = SSHSession(start: now, connection: context())
        }
        if fromClient { s.client = s.client ?? line } else { s.server = s.server ?? line }
        let versions = [s.client, s.server].compactMap { $0 }.map { Array($0.dropFirst(4).prefix(4)) }
        if versions.contains(where: { $0.starts(with: Array("2.0".utf8)) || $0.starts(with: Array("1.99".utf8)) }) {
            s.version = 2
        } else if versions.contains(where: { $0.starts(with: Array("1.".utf8)) }) {
            s.version = 1
        }
        states[flow] = s
    }

    func finish(flow: UInt64) {
        if let s = states.removeValue(forKey: flow) { completed.append(s) }
    }

    public func drain() -> [SSHSession] {
        defer { completed = [] }
        return completed
    }
}

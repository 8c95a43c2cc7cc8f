import Foundation
import SensorCore

/// `lsof -F` field output (lsof(8), "OUTPUT FOR OTHER PROGRAMS"), as scripts/lsof-feed writes
/// it: each snapshot starts with a marker line `#quietwire-lsof time=<epoch seconds> host=<host id>`,
/// then `lsof -n -P -i -F pcRuLftPn` output: a `p` line per process (with `c` command, `R`
/// parent pid, `u` uid, `L` login) and an `f` line per file (with `t` type, `P` protocol and
/// `n` name such as `10.0.0.5:51234->1.2.3.4:443`, `[::1]:53` or `*:5353`). Every network
/// file becomes a snapshot socket record. NUL-terminated fields (`-F0`) are accepted too.
struct LsofFieldParser {
    static let marker = "#quietwire-lsof"

    private(set) var batch = FeedBatch()
    private var time: Timestamp?
    private var host: String?
    private var process: ProcessIdentity?
    private var fileType: String?
    private var fileProtocol: String?
    private var fileName: String?
    private var fileLine = 0
    /// Problems as (line, reason).
    private(set) var problems: [(Int, String)] = []

    /// Takes one line of output (its 1-based number for problems).
    mutating func take(_ line: Substring, number: Int) {
        if line.hasPrefix("#") {
            finishFile()
            guard line.hasPrefix(Self.marker) else { return }
            var t: Timestamp?
            var h: String?
            for part in line.dropFirst(Self.marker.count).split(separator: " ") {
                if part.hasPrefix("time=") { t = FeedTime.parse(.string(String(part.dropFirst(5)))) }
                if part.hasPrefix("host=") { h = String(part.dropFirst(5)) }
            }
            guard let t, let h, !h.isEmpty else {
                problems.append((number, "marker needs time=<epoch seconds> and host=<host id>"))
                time = nil
                return
            }
            time = t
            host = h
            process = nil
            return
        }
        for field in line.split(separator: "\0", omittingEmptySubsequences: true) { takeField(field, number: number) }
    }

    private mutating func takeField(_ field: Substring, number: Int) {
        guard let tag = field.first else { return }
        let value = String(field.dropFirst())
        switch tag {
        case "p":
            finishFile()
            guard let pid = Int32(value), pid >= 0 else { problems.append((number, "'p' field '\(value)' is not a pid")); process = nil; return }
            process = ProcessIdentity(pid: pid)
        case "c": process?.name = value
        case "R": process?.ppid = Int32(value)
        case "u": if process?.user == nil { process?.user = value }
        case "L": process?.user = value
        case "f":
            finishFile()
            fileLine = number
        case "t": fileType = value
        case "P": fileProtocol = value
        case "n": fileName = value
        default: break
        }
    }

    /// Ends the input: the last file is emitted.
    mutating func finish() { finishFile() }

    /// Records emitted in all.
    private(set) var recordsSeen = 0
    /// Well-formed network files of other protocols.
    var ignored: Int { batch.ignored }

    /// Hands over the records and problems gathered since the last call.
    mutating func drain() -> ([FeedRecord], [(Int, String)]) {
        defer { batch.records = []; problems = [] }
        recordsSeen += batch.records.count
        return (batch.records, problems)
    }

    private mutating func finishFile() {
        defer { fileType = nil; fileProtocol = nil; fileName = nil }
        guard let name = fileName, fileType == "IPv4" || fileType == "IPv6" else { return }
        guard let process else { return }
        guard let time, let host else { problems.append((fileLine, "network file before a '\(Self.marker)' marker line")); return }
        let transport: UInt8
        switch fileProtocol {
        case "TCP": transport = 6
        case "UDP": transport = 17
        case "ICMP": transport = 1
        case "ICMPV6", "IPV6-ICMP": transport = 58
        default: batch.ignored += 1; return
        }
        let ends = name.components(separatedBy: "->")
        guard ends.count <= 2, let local = Self.endpoint(ends[0]) else {
            problems.append((fileLine, "name '\(name)' is not address:port (run lsof with -n -P)"))
            return
        }
        var remote: (IPAddress?, UInt16)?
        if ends.count == 2 {
            guard let r = Self.endpoint(ends[1]), r.0 != nil else {
                problems.append((fileLine, "name '\(name)' is not address:port (run lsof with -n -P)"))
                return
            }
            remote = r
        }
        batch.records.append(.socket(SocketRecord(
            time: time, hostID: host, event: .snapshot, transport: transport, localAddress: local.0, localPort: local.1,
            remoteAddress: remote?.0, remotePort: remote?.1 ?? 0, process: process, source: "lsof")))
    }

    /// `addr:port`, `[v6]:port` or `*:port` (address nil); a trailing state such as ` (ESTABLISHED)` is ignored.
    static func endpoint(_ text: String) -> (IPAddress?, UInt16)? {
        var s = Substring(text)
        if let space = s.firstIndex(of: " ") { s = s[..<space] }
        guard let colon = s.lastIndex(of: ":"), let port = UInt16(s[s.index(after: colon)...]) else { return nil }
        var host = s[..<colon]
        if host == "*" { return (nil, port) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        if let percent = host.firstIndex(of: "%") { host = host[..<percent] }
        guard let address = IPAddress(String(host)) else { return nil }
        return (FeedField.normalized(address), port)
    }
}

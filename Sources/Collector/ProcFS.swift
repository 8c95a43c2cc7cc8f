import Attribution
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads what the collector needs from a Linux /proc (proc(5)), bounded: at most
/// `maximumFileBytes` of any file and `maximumProcesses` entries of any directory (processes,
/// descriptors of one process).
public struct ProcFS: Sendable {
    public var root: String
    static let maximumFileBytes = 1 << 20
    static let maximumProcesses = 1 << 20

    public init(root: String = "/proc") { self.root = root }

    /// A small file's bytes, or nil when it cannot be read.
    static func contents(_ path: String, limit: Int = maximumFileBytes) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [Int8](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Every socket of the four tables.
    public func sockets() -> [ProcNetSocket] {
        var all: [ProcNetSocket] = []
        for (file, transport) in [("tcp", UInt8(6)), ("tcp6", 6), ("udp", 17), ("udp6", 17)] {
            guard let bytes = ProcFS.contents("\(root)/net/\(file)", limit: 64 << 20) else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                if let s = ProcNetSocket.parse(line, transport: transport) { all.append(s) }
            }
        }
        return all
    }

    /// Names in a directory (not . and ..), at most `maximumProcesses`.
    static func directoryNames(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var result: [String] = []
        while result.count < maximumProcesses, let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { result.append(name) }
        }
        return result
    }

    /// Process ids in /proc.
    public func pids() -> [Int32] {
        ProcFS.directoryNames(root).compactMap { Int32($0) }.filter { $0 > 0 }
    }

    /// The socket inodes a process holds open (`/proc/PID/fd/*` links `socket:[INODE]`).
    public func socketInodes(of pid: Int32) -> [UInt64] {
        let base = "\(root)/\(pid)/fd"
        var result: [UInt64] = []
        for name in ProcFS.directoryNames(base) {
            guard name.first?.isNumber == true, let target = ProcFS.readLink("\(base)/\(name)"),
                  target.hasPrefix("socket:["), target.hasSuffix("]"), let inode = UInt64(target.dropFirst(8).dropLast()) else { continue }
            result.append(inode)
        }
        return result
    }

    /// What /proc says about a process: parent, executable, name, command line, user, and the
    /// systemd unit from its cgroup. Nil when the process is gone.
    public func process(_ pid: Int32) -> ProcessIdentity? {
        guard let stat = ProcFS.contents("\(root)/\(pid)/stat", limit: 4096) else { return nil }
        var p = ProcessIdentity(pid: pid)
        // stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split at the last ')'.
        if let close = stat.lastIndex(of: UInt8(ascii: ")")), let open = stat.firstIndex(of: UInt8(ascii: "(")), open < close {
            p.name = String(decoding: stat[(open + 1)..<close], as: UTF8.self)
            let rest = String(decoding: stat[(close + 1)...], as: UTF8.self).split(separator: " ")
            if rest.count >= 2 { p.ppid = Int32(rest[1]) }
        }
        p.executable = ProcFS.readLink("\(root)/\(pid)/exe").map { $0.hasSuffix(" (deleted)") ? String($0.dropLast(10)) : $0 }
        if let cmdline = ProcFS.contents("\(root)/\(pid)/cmdline", limit: 4096), !cmdline.isEmpty {
            let parts = cmdline.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            p.commandLine = (parts.last == "" ? parts.dropLast() : parts[...]).joined(separator: " ")
        }
        if let status = ProcFS.contents("\(root)/\(pid)/status", limit: 16_384) {
            for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Uid:") {
                p.user = line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first.map(String.init)
            }
        }
        if let cgroup = ProcFS.contents("\(root)/\(pid)/cgroup", limit: 16_384) {
            p.label = SystemdUnits.unit(fromCgroup: String(decoding: cgroup, as: UTF8.self))
        }
        return p
    }
}

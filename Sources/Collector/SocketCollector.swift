import Attribution
import SensorCore

/// The built-in Linux endpoint collector (`quietwire collect`): polls /proc for TCP and UDP
/// sockets, maps each to its process (pid, ppid, executable, command line, uid) and systemd
/// unit, and reports changes as native feed records (one owner per socket, see `owner(among:_:)`):
/// a socket first seen is a `snapshot` at
/// that poll (its exact open time is unknown), a socket gone is a `close`. Every
/// `resnapshotInterval` all open sockets are reported again, so a sensor that missed records
/// catches up.
public final class SocketCollector {
    public let hostID: String
    public let proc: ProcFS
    /// Seconds between full re-reports of every open socket.
    public var resnapshotInterval: Double = 60
    private var open: [SocketKey: SocketRecord] = [:]
    private var lastFull: Timestamp?

    /// What identifies one socket between polls: its inode and owner.
    struct SocketKey: Hashable {
        var inode: UInt64
        var pid: Int32
    }

    public init(hostID: String, proc: ProcFS = ProcFS()) {
        self.hostID = hostID
        self.proc = proc
    }

    /// The host's id: /etc/machine-id, else the host name.
    public static func defaultHostID() -> String {
        if let id = ProcFS.contents("/etc/machine-id", limit: 256).map({ String(decoding: $0, as: UTF8.self) }),
           case let trimmed = id.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? "", !trimmed.isEmpty {
            return trimmed
        }
        return hostName()
    }

    /// The kernel's host name (/proc/sys/kernel/hostname), or "localhost".
    public static func hostName() -> String {
        let text = ProcFS.contents("/proc/sys/kernel/hostname", limit: 256).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? "localhost"
    }

    /// One poll at `now`: records for sockets that appeared or went away since the last poll
    /// (all open sockets on the first poll and every `resnapshotInterval`).
    public func poll(now: Timestamp) -> [FeedRecord] {
        let sockets = proc.sockets().filter { $0.inode != 0 }
        let byInode = Dictionary(sockets.map { ($0.inode, $0) }, uniquingKeysWith: { a, _ in a })
        var holders: [UInt64: [Int32]] = [:]
        var processes: [Int32: ProcessIdentity] = [:]
        for pid in proc.pids() {
            let inodes = proc.socketInodes(of: pid).filter { byInode[$0] != nil }
            guard !inodes.isEmpty, let p = proc.process(pid) else { continue }
            processes[pid] = p
            for inode in inodes { holders[inode, default: []].append(pid) }
        }
        var owners: [SocketKey: ProcNetSocket] = [:]
        for (inode, pids) in holders {
            guard let s = byInode[inode], let owner = SocketCollector.owner(among: pids, processes) else { continue }
            owners[SocketKey(inode: inode, pid: owner)] = s
        }
        let full = lastFull.map { Double(now.nanoseconds(since: $0)) / 1e9 >= resnapshotInterval } ?? true
        if full { lastFull = now }
        var records: [FeedRecord] = []
        for (key, s) in owners.sorted(by: { ($0.key.pid, $0.key.inode) < ($1.key.pid, $1.key.inode) }) {
            guard let p = processes[key.pid] else { continue }
            let record = SocketRecord(time: now, hostID: hostID, event: .snapshot, transport: s.transport,
                                      localAddress: s.local.value == 0 || s.local == IPAddress(ipv4: 0) ? nil : s.local,
                                      localPort: s.localPort, remoteAddress: s.isUnconnected ? nil : s.remote,
                                      remotePort: s.isUnconnected ? 0 : s.remotePort, process: p, source: "collect")
            if let known = open[key], known.remoteAddress == record.remoteAddress, known.remotePort == record.remotePort,
               known.localPort == record.localPort, !full {
                continue
            }
            open[key] = record
            records.append(.socket(record))
        }
        for (key, var gone) in open where owners[key] == nil {
            gone.time = now
            gone.event = .close
            records.append(.socket(gone))
            open[key] = nil
        }
        return records
    }

    /// The process that owns a socket several processes hold (a child inherits its parent's
    /// descriptors, e.g. a shell's `sleep`): the one whose parent does not hold it too, the
    /// lowest pid among several such.
    static func owner(among pids: [Int32], _ processes: [Int32: ProcessIdentity]) -> Int32? {
        guard pids.count > 1 else { return pids.first }
        let holding = Set(pids)
        let roots = pids.filter { pid in processes[pid]?.ppid.map { !holding.contains($0) } ?? true }
        return (roots.isEmpty ? pids : roots).min()
    }

    /// A host record with the addresses the host's sockets use now (its local addresses).
    public func hostRecord(now: Timestamp, addresses: [IPAddress]) -> FeedRecord {
        .host(HostRecord(hostID: hostID, name: SocketCollector.hostName(), addresses: addresses, validFrom: now, source: "collect"))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketCollector {
    /// The host's interface addresses (getifaddrs(3)), loopback included.
    public static func interfaceAddresses() -> [IPAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var result: [IPAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let ifa = cursor {
            defer { cursor = ifa.pointee.ifa_next }
            guard let sa = ifa.pointee.ifa_addr else { continue }
            switch Int32(sa.pointee.sa_family) {
            case AF_INET:
                let a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                result.append(IPAddress(ipv4: UInt32(bigEndian: a)))
            case AF_INET6:
                let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                    withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }
                }
                var v: UInt128 = 0
                for b in bytes.prefix(16) { v = v << 8 | UInt128(b) }
                result.append(IPAddress(value: v, isIPv4: false))
            default:
                continue
            }
        }
        return Array(Set(result)).sorted()
    }
}

/// Ties a process to the launchd job (or systemd unit) it belongs to: the label the endpoint
/// reported, else the first process up its parent chain (itself included) whose executable is
/// a job's program in the host's inventory. A process that belongs to no job gets nil and
/// stays keyed by its executable.
public struct AgentResolver: Sendable {
    /// Parent links followed at most (a pid loop in a hostile feed ends here).
    static let maximumDepth = 32
    private var byLabel: [String: [String: AgentRecord]] = [:]
    private var byProgram: [String: [String: AgentRecord]] = [:]
    /// Processes per host by pid, the latest record winning (for the parent chain).
    private var processes: [String: [Int32: ProcessIdentity]] = [:]

    public init() {}

    /// Agents known, all hosts.
    public var agentCount: Int { byLabel.values.reduce(0) { $0 + $1.count } }

    /// Every job the inventory and feeds named, all hosts.
    public var inventory: [AgentRecord] { byLabel.values.flatMap(\.values) }

    /// Notes an inventory record (a later record for the same host and label replaces it).
    public mutating func note(_ a: AgentRecord) {
        byLabel[a.hostID, default: [:]][a.label] = a
        if let exe = a.executable { byProgram[a.hostID, default: [:]][exe] = a }
    }

    /// Notes what a feed said about a process (for the parent chain).
    public mutating func note(host: String, _ p: ProcessIdentity) {
        AgentResolver.merge(&processes[host, default: [:]], p)
    }

    private static func merge(_ table: inout [Int32: ProcessIdentity], _ p: ProcessIdentity) {
        if var known = table[p.pid], known.executable == p.executable || p.executable == nil {
            var fresh = p
            fresh.merge(known)
            known = fresh
            table[p.pid] = known
        } else {
            table[p.pid] = p
        }
    }

    /// The job `process` on `host` belongs to, and how that was found.
    public func agent(of process: ProcessIdentity, host: String) -> (AgentRecord, Attribution.AgentMethod)? {
        if let label = process.label {
            return (byLabel[host]?[label] ?? AgentRecord(hostID: host, label: label, program: process.executable, source: "label"), .label)
        }
        let programs = byProgram[host] ?? [:]
        var current: ProcessIdentity? = process
        var depth = 0
        var seen: Set<Int32> = []
        while let p = current, depth <= AgentResolver.maximumDepth, seen.insert(p.pid).inserted {
            if let exe = p.executable, let a = programs[exe] { return (a, depth == 0 ? .executable : .parent) }
            if let label = p.label, depth > 0 { return (byLabel[host]?[label] ?? AgentRecord(hostID: host, label: label, source: "label"), .parent) }
            guard let ppid = p.ppid ?? processes[host]?[p.pid]?.ppid, ppid > 1 || (ppid == 1 && depth == 0) else { break }
            current = processes[host]?[ppid]
            depth += 1
        }
        return nil
    }

    /// The process table's view of `pid` on `host`, to fill what a socket record lacked.
    public func process(host: String, pid: Int32) -> ProcessIdentity? { processes[host]?[pid] }
}

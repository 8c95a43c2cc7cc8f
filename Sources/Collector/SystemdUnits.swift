import Attribution

/// systemd units, the Linux counterpart of launchd jobs: which unit a process runs in (from
/// its cgroup) and the unit files installed (the inventory).
public enum SystemdUnits {
    /// Where unit files live, most specific first (systemd.unit(5)).
    public static let directories = ["/etc/systemd/system", "/run/systemd/transient", "/run/systemd/system",
                                     "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"]

    /// The deepest `.service` or `.scope` in a /proc/PID/cgroup file (cgroup v2 `0::/path` or a
    /// v1 `name=systemd` line), or nil outside systemd (a container's `0::/`).
    public static func unit(fromCgroup text: String) -> String? {
        var best: String?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "0" || parts[1].contains("name=systemd") else { continue }
            for component in parts[2].split(separator: "/").reversed()
            where component.hasSuffix(".service") || component.hasSuffix(".scope") {
                // user@1000.service holds a user's own units below it; the deepest one wins.
                best = String(component)
                break
            }
            if best != nil { break }
        }
        return best
    }

    /// The program of a unit file: the first word of its first `ExecStart=` (with systemd's
    /// `-`, `@`, `+`, `!`, `:` prefixes removed). Nil when it has none.
    public static func program(ofUnitFile text: String) -> (program: String, arguments: [String])? {
        for raw in text.split(separator: "\n") {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            guard line.hasPrefix("ExecStart=") else { continue }
            var command = line.dropFirst("ExecStart=".count).drop { $0 == " " }
            while let f = command.first, "-@+!:".contains(f) { command = command.dropFirst() }
            let words = command.split(separator: " ").map(String.init)
            guard let first = words.first, !first.isEmpty else { continue }
            return (first, words)
        }
        return nil
    }

    /// Agent records for the unit files of `directories` below `root` ("" for the real system):
    /// services and their programs, the first file of a name winning as in systemd.
    public static func inventory(hostID: String, root: String = "", directories: [String] = directories) -> [AgentRecord] {
        var seen: Set<String> = []
        var agents: [AgentRecord] = []
        for dir in directories {
            let path = root + dir
            let names = ProcFS.directoryNames(path).filter { $0.hasSuffix(".service") }.sorted()
            for name in names where seen.insert(name).inserted {
                guard let bytes = ProcFS.contents(path + "/" + name, limit: 256 * 1024),
                      let exec = program(ofUnitFile: String(decoding: bytes, as: UTF8.self)) else { continue }
                agents.append(AgentRecord(hostID: hostID, label: name, plistPath: dir + "/" + name, program: exec.program,
                                          programArguments: exec.arguments, domain: .system, source: "collect"))
            }
        }
        return agents
    }
}

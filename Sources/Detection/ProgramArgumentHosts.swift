import Foundation

/// The hosts a launchd job's `ProgramArguments` name (DETECTION.md 3.2, the plist as a
/// prior): URLs (`https://host:port/path`), `--flag=host` and bare host names, as registered
/// domains. The agent is expected to reach them; RUSTBUCKET passes its C2 URL this way, so
/// they name the expected primary, not a safe destination.
public enum ProgramArgumentHosts {
    /// Arguments and characters looked at (a plist is attacker-writable).
    static let maximumArguments = 64
    static let maximumLength = 2048
    /// Suffixes that are also common file extensions.
    static let fileExtensions: Set<String> = ["sh", "py", "pl", "rb", "js", "json", "plist", "conf", "txt", "log", "xml", "app", "zip", "gz", "dmg",
                                              "pkg", "md", "so", "dylib", "bin", "exe", "cfg", "ini", "yaml", "yml", "sock", "pid", "lock", "db"]

    public static func domains(_ arguments: [String], domains list: PublicSuffixList) -> Set<String> {
        var result: Set<String> = []
        for argument in arguments.dropFirst().prefix(maximumArguments) where argument.utf8.count <= maximumLength {
            for part in argument.split(separator: "=", maxSplits: 1).map(String.init) {
                var candidate = part
                if let r = candidate.range(of: "://") {
                    candidate = String(candidate[r.upperBound...])
                    candidate = String(candidate.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
                    if let at = candidate.lastIndex(of: "@") { candidate = String(candidate[candidate.index(after: at)...]) }
                    if !candidate.hasPrefix("["), let colon = candidate.firstIndex(of: ":") { candidate = String(candidate[..<colon]) }
                } else if candidate.hasPrefix("/") || candidate.hasPrefix("-") || !candidate.contains(".") {
                    continue
                } else if let tld = candidate.split(separator: ".").last.map(String.init),
                          !list.lists(topLevel: tld) || fileExtensions.contains(tld.lowercased()) {
                    // A bare word with a dot is a host only under a listed suffix that is not a
                    // common file extension (`run.sh`, `agent.py`, `notes.txt`).
                    continue
                }
                let host = candidate.lowercased()
                guard host.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) }),
                      host.contains(where: { $0.isLetter }), let d = list.registeredDomain(host) else { continue }
                result.insert(d)
            }
        }
        return result
    }
}

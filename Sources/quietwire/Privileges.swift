import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drops root after the capture and the service are open (like tcpdump -Z).
enum Privileges {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Hands `paths` (and everything below them) to `user`, then becomes that user and group
    /// with no supplementary groups; checks root cannot be regained.
    static func drop(to user: String, handing paths: [String]) throws {
        guard let entry = getpwnam(user) else { throw Failure(description: "--user \(user): no such user") }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        let fm = FileManager.default
        for path in paths {
            var all = [path]
            if let below = fm.enumerator(atPath: path) { all += below.compactMap { $0 as? String }.map { path + "/" + $0 } }
            // SQLite's WAL and shared-memory files sit beside the database.
            all += ["-wal", "-shm"].map { path + $0 }.filter { fm.fileExists(atPath: $0) }
            for p in all where fm.fileExists(atPath: p) { _ = chown(p, uid, gid) }
        }
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw Failure(description: "--user \(user): cannot switch user (\(String(cString: strerror(errno)))); run as root to use --user")
        }
        if uid != 0, setuid(0) == 0 { throw Failure(description: "--user \(user): root could be regained; refusing to run") }
    }
}

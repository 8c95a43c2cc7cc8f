import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Launch agents and daemons read straight from launchd plist files (XML or binary), for
/// `--inventory DIR`: DIR holds one folder per host id with that host's plists anywhere below
/// it (for example `DIR/mac-01/Library/LaunchAgents/com.example.agent.plist`).
public enum LaunchdInventory {
    /// Largest plist read; launchd jobs are a few KiB.
    static let maximumPlistBytes = 1 << 20
    /// Files looked at per host folder.
    static let maximumFilesPerHost = 100_000

    public struct Load: Sendable {
        public var agents: [AgentRecord] = []
        /// Plists that could not be read or are not launchd jobs, with the reason.
        public var problems: [FeedProblem] = []
    }

    /// Reads every `*.plist` under each host folder of `directory`.
    public static func read(directory: String) throws(FeedReader.Failure) -> Load {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw FeedReader.Failure(description: "inventory \(directory) is not a directory (expected one folder per host id holding that host's plists)")
        }
        var load = Load()
        let hosts = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for host in hosts where !host.hasPrefix(".") {
            let root = directory + "/" + host
            guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else { continue }
            guard let walker = fm.enumerator(atPath: root) else { continue }
            var seen = 0
            var paths: [String] = []
            while let relative = walker.nextObject() as? String, seen < maximumFilesPerHost {
                seen += 1
                if relative.hasSuffix(".plist") { paths.append(relative) }
            }
            for relative in paths.sorted() {
                let path = root + "/" + relative
                // Only regular files (symlinks followed), read up to the size limit: a FIFO or
                // /dev/zero named *.plist cannot block or exhaust the run.
                var info = stat()
                guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                    load.problems.append(FeedProblem(feed: path, line: 0, reason: "not a regular file"))
                    continue
                }
                guard Int(info.st_size) <= maximumPlistBytes else {
                    load.problems.append(FeedProblem(feed: path, line: 0, reason: "larger than \(maximumPlistBytes) bytes"))
                    continue
                }
                guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.read(upToCount: maximumPlistBytes + 1) else {
                    load.problems.append(FeedProblem(feed: path, line: 0, reason: "cannot be read"))
                    continue
                }
                try? handle.close()
                do throws(FeedLineError) {
                    load.agents.append(try agent(plist: data, hostID: host, path: "/" + relative))
                } catch {
                    load.problems.append(FeedProblem(feed: path, line: 0, reason: error.reason))
                }
            }
        }
        return load
    }

    /// The launchd job in one plist file's bytes.
    public static func agent(plist data: Data, hostID: String, path: String) throws(FeedLineError) -> AgentRecord {
        guard data.count <= maximumPlistBytes else { throw FeedLineError("larger than \(maximumPlistBytes) bytes") }
        // Only binary and XML plists reach Foundation: its old-style (OpenStep) text parser
        // leaks memory on malformed input (found by the fuzzer), and launchd jobs are never in it.
        var body = data
        if !data.starts(with: Array("bplist".utf8)) {
            guard let xml = xmlStart(data) else { throw FeedLineError("not a property list (XML or binary)") }
            // A comment before the XML declaration is not XML; launchd's own parser is lenient, so be too.
            body = xml
        }
        let parsed = try? PropertyListSerialization.propertyList(from: body, options: [], format: nil)
        guard let parsed else { throw FeedLineError("not a property list (XML or binary)") }
        guard let dict = parsed as? [String: Any] else { throw FeedLineError("not a launchd job: the top level is not a dictionary") }
        guard let label = dict["Label"] as? String, !label.isEmpty else { throw FeedLineError("not a launchd job: no Label") }
        let arguments = (dict["ProgramArguments"] as? [Any])?.compactMap { $0 as? String } ?? []
        let program = dict["Program"] as? String
        guard program != nil || !arguments.isEmpty else { throw FeedLineError("launchd job \(label) has neither Program nor ProgramArguments") }
        var keepAlive: Bool?
        if let b = dict["KeepAlive"] as? Bool { keepAlive = b } else if let d = dict["KeepAlive"] as? [String: Any] { keepAlive = !d.isEmpty }
        return AgentRecord(hostID: hostID, label: label, plistPath: path, program: program, programArguments: arguments,
                           runAtLoad: dict["RunAtLoad"] as? Bool, keepAlive: keepAlive,
                           startInterval: (dict["StartInterval"] as? NSNumber).map { max(0, min($0.intValue, AgentRecord.maximumStartInterval)) },
                           domain: domain(ofPlistPath: path), teamID: nil, source: "plist")
    }

    /// user for LaunchAgents folders, system for LaunchDaemons; nil otherwise.
    public static func domain(ofPlistPath path: String) -> AgentRecord.Domain? {
        if path.contains("LaunchDaemons") { return .system }
        if path.contains("LaunchAgents") { return .user }
        return nil
    }

    /// The bytes from the XML declaration or `<plist` on, past leading blank space, a UTF-8
    /// byte-order mark and XML comments; nil when the data does not start that way. Scans the
    /// bytes themselves, so invalid UTF-8 cannot shift the cut.
    static func xmlStart(_ data: Data) -> Data? {
        let bytes = [UInt8](data.prefix(64 * 1024))
        var i = 0
        func starts(_ s: String) -> Bool {
            let p = Array(s.utf8)
            return bytes.count - i >= p.count && Array(bytes[i..<(i + p.count)]) == p
        }
        if starts("\u{FEFF}") { i += 3 }
        while i < bytes.count {
            if bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1; continue }
            guard starts("<!--") else { break }
            i += 4
            while i < bytes.count, !starts("-->") { i += 1 }
            guard i < bytes.count else { return nil }
            i += 3
        }
        guard starts("<?xml") || starts("<plist") || starts("<!DOCTYPE") else { return nil }
        return data.subdata(in: data.startIndex + i..<data.endIndex)
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs external programs (tshark, capinfos, quietwire itself) for tests.
public enum Tool {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public struct Output: Sendable {
        public var status: Int32
        public var out: String
        public var err: String
    }

    /// The absolute path of `name` on PATH, or nil.
    public static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `name` and returns its exit status and output. Standard error goes to a file so a
    /// chatty program cannot block on a full pipe; reads retry on EINTR.
    public static func execute(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                               standardInput: String? = nil) throws -> Output {
        guard let executable = find(name) else {
            throw Failure(description: "\(name) not found on PATH; scripts/test installs it (apt-get install tshark)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("qw-tool-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? errHandle.close(); try? FileManager.default.removeItem(at: errURL) }
        process.standardOutput = out
        process.standardError = errHandle
        if let standardInput {
            guard let input = FileHandle(forReadingAtPath: standardInput) else { throw Failure(description: "cannot read \(standardInput)") }
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        try? out.fileHandleForWriting.close()
        let data = readToEnd(out.fileHandleForReading.fileDescriptor)
        process.waitUntilExit()
        let errText = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, out: String(decoding: data, as: UTF8.self), err: errText)
    }

    /// Runs `name` and returns its standard output; throws when it exits non-zero.
    public static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let r = try execute(name, arguments, environment: environment)
        guard r.status == 0 else {
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")) exited \(r.status): \(r.err)")
        }
        return r.out
    }

    static func readToEnd(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { result.append(contentsOf: chunk[0..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            return result
        }
    }
}

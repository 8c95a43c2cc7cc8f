import Foundation
import TestSupport
import Testing

/// The decode loop must allocate nothing per packet. Runs the built binary with an
/// LD_PRELOAD allocation counter over captures of N and 2N packets: the difference,
/// divided by N, is the allocations per packet. Linux only (LD_PRELOAD).
@Suite("Allocations per packet", .enabled(if: Tool.find("cc") != nil && ProcessInfo.processInfo.environment["LD_PRELOAD"] == nil))
struct AllocationTests {
    static let repo = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()

    @Test func decodeAllocatesNothingPerPacket() throws {
        #if os(Linux)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("qw-alloc-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let shim = tmp.appendingPathComponent("malloc_count.so").path
        _ = try Tool.run("cc", ["-shared", "-fPIC", "-O2", "-o", shim,
                                Self.repo.appendingPathComponent("scripts/bench.d/malloc_count.c").path, "-ldl"])
        // The frames of a mixed real capture (TCP, UDP, DNS, ICMP, IPv6), repeated.
        let frames = try Self.frames(of: Fixtures.path("real/zeek__wikipedia.pcap"))
        let small = try Self.write(frames, repeating: 20_000, to: tmp.appendingPathComponent("n.pcap"))
        let large = try Self.write(frames, repeating: 40_000, to: tmp.appendingPathComponent("2n.pcap"))
        let binary = CommandLineTests.binary
        for mode in [["--stats-only"], ["--json"]] {
            let a = try Self.allocations(binary, mode + [small], shim)
            let b = try Self.allocations(binary, mode + [large], shim)
            #expect(a > 1_000, "the allocation counter counted nothing; is LD_PRELOAD working?")
            let perPacket = Double(b - a) / 20_000
            #expect(perPacket < 0.01, "\(mode): \(b - a) more allocations for 20,000 more packets")
        }
        #endif
    }

    static func allocations(_ binary: String, _ args: [String], _ shim: String) throws -> Int {
        let r = try Tool.execute(binary, ["decode"] + args, environment: ["LD_PRELOAD": shim])
        let line = try #require(r.err.split(separator: "\n").last { $0.hasPrefix("malloc_count: ") })
        return try #require(Int(line.dropFirst("malloc_count: ".count)))
    }

    /// The records (header + data) of a classic little-endian pcap file, and its header.
    static func frames(of path: String) throws -> (header: Data, records: [Data]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var records: [Data] = []
        var offset = 24
        while offset + 16 <= data.count {
            let caplen = data.subdata(in: offset + 8 ..< offset + 12).withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self)) }
            records.append(data.subdata(in: offset ..< offset + 16 + caplen))
            offset += 16 + caplen
        }
        return (data.prefix(24), records)
    }

    static func write(_ f: (header: Data, records: [Data]), repeating count: Int, to url: URL) throws -> String {
        var out = f.header
        for i in 0..<count { out.append(f.records[i % f.records.count]) }
        try out.write(to: url)
        return url.path
    }
}

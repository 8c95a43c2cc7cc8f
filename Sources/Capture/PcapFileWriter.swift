import SensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes frames to a classic pcap file (nanosecond timestamps, magic 0xa1b23c4d, this
/// machine's byte order), readable by libpcap, tcpdump, Wireshark and Zeek. All frames must
/// share the link type given at creation.
public final class PcapFileWriter {
    public let path: String
    public let linkType: LinkType
    private let file: UnsafeMutablePointer<FILE>
    /// Frames written.
    public private(set) var frames = 0

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates (or truncates) `path` and writes the file header; `snapLength` is the header's
    /// snaplen (frames longer than it are cut to it).
    public init(path: String, linkType: LinkType, snapLength: Int = 262_144) throws(Failure) {
        guard let f = fopen(path, "wb") else {
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.linkType = linkType
        self.file = f
        self.snapLength = max(1, min(snapLength, Int(Int32.max)))
        var header = [UInt8]()
        append32(0xa1b2_3c4d, to: &header)
        append16(2, to: &header)
        append16(4, to: &header)
        append32(0, to: &header)  // thiszone
        append32(0, to: &header)  // sigfigs
        append32(UInt32(self.snapLength), to: &header)
        append32(UInt32(linkType.rawValue), to: &header)
        guard fwrite(header, 1, header.count, f) == header.count else {
            fclose(f)
            throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    private let snapLength: Int

    deinit { fclose(file) }

    private func append32(_ v: UInt32, to out: inout [UInt8]) { withUnsafeBytes(of: v) { out.append(contentsOf: $0) } }
    private func append16(_ v: UInt16, to out: inout [UInt8]) { withUnsafeBytes(of: v) { out.append(contentsOf: $0) } }

    /// Appends one frame; false when the write failed (disk full).
    @discardableResult
    public func write(timestamp: Timestamp, wireLength: Int, bytes: FrameBytes) -> Bool {
        let captured = min(bytes.count, snapLength)
        var record = [UInt8]()
        record.reserveCapacity(16)
        append32(UInt32(truncatingIfNeeded: timestamp.seconds), to: &record)
        append32(UInt32(truncatingIfNeeded: timestamp.subsecondNanoseconds), to: &record)
        append32(UInt32(captured), to: &record)
        append32(UInt32(clamping: max(wireLength, captured)), to: &record)
        guard fwrite(record, 1, 16, file) == 16 else { return false }
        if captured > 0, let base = bytes.base, fwrite(base, 1, captured, file) != captured { return false }
        frames += 1
        return true
    }

    /// Flushes buffered frames to the file.
    public func flush() { fflush(file) }
}

import Outputs

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The live sensor's alerts.ndjson: one line per alert, appended with a single write and
/// synced before the sensor goes on, so an alert once written survives a crash and no reader
/// ever sees half a line. Opening it repairs a half line an earlier run left (a full disk)
/// and collects the `event.id`s already written, so a restart does not report them again.
public final class AlertLog {
    public let path: String
    private let descriptor: Int32
    /// Ids of the alerts in the file.
    public private(set) var ids: Set<String> = []
    /// Bytes cut from the end when opening (a half line).
    public let repairedBytes: Int

    public init(path: String) throws(OutputError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        descriptor = fd
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(bytes.count)) }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        let end = (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        repairedBytes = bytes.count - end
        if repairedBytes > 0 { _ = ftruncate(fd, off_t(end)) }
        for line in bytes[0..<end].split(separator: UInt8(ascii: "\n")) {
            if let id = Self.eventID(line) { ids.insert(id) }
        }
    }

    deinit { close(descriptor) }

    /// The `event.id` value of an alert line (ids are `qw-` and 16 hex digits).
    static func eventID(_ line: ArraySlice<UInt8>) -> String? {
        let key = Array("\"event.id\":\"".utf8)
        guard line.count > key.count, let start = line.indices.first(where: { i in
            i + key.count <= line.endIndex && line[i..<(i + key.count)].elementsEqual(key)
        }) else { return nil }
        let value = line[(start + key.count)...].prefix { $0 != UInt8(ascii: "\"") }
        return value.count <= 64 ? String(decoding: value, as: UTF8.self) : nil
    }

    /// Appends one line (without its newline) and syncs it to disk.
    public func append(line: String, id: String) throws(OutputError) {
        let bytes = Array((line + "\n").utf8)
        // One write: O_APPEND puts it after everything, whole. A short write (disk full) is
        // cut back so the file never ends in half a line.
        let before = lseek(descriptor, 0, SEEK_END)
        let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard n == bytes.count else {
            let reason = n < 0 ? String(cString: strerror(errno)) : "short write (disk full?)"
            if before >= 0 { _ = ftruncate(descriptor, before) }
            throw .cannotWrite(path: path, reason: reason)
        }
        _ = fsync(descriptor)
        ids.insert(id)
    }
}

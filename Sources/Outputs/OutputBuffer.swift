#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes on their way to a file descriptor, written in chunks of `flushThreshold` bytes.
public final class OutputBuffer {
    public internal(set) var bytes: [UInt8] = []
    private let descriptor: Int32?
    /// Bytes buffered before a write(2).
    public let flushThreshold: Int
    /// The first write error (errno), after which output is discarded (e.g. EPIPE from `| head`).
    public private(set) var writeError: Int32? = nil

    /// A buffer that writes to `descriptor` (1 for stdout), or only collects when nil.
    public init(descriptor: Int32?, flushThreshold: Int = 1 << 16) {
        self.descriptor = descriptor
        self.flushThreshold = flushThreshold
        bytes.reserveCapacity(min(flushThreshold, 1 << 20) + 4096)
    }

    public func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    public func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public func append(_ other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    public func append(buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }

    public func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends an unsigned decimal number.
    public func appendDecimal<T: BinaryInteger>(_ value: T) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var v = UInt64(truncatingIfNeeded: value)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no heap
        var n = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while v > 0 && n < 24 {
                raw[23 - n] = UInt8(ascii: "0") &+ UInt8(v % 10)
                v /= 10
                n += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(24 - n)...]))
        }
    }

    /// Appends a signed decimal number.
    public func appendSigned(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDecimal(value.magnitude)
        } else {
            appendDecimal(UInt64(value))
        }
    }

    /// Appends `value` as exactly `width` digits (its lowest ones), zero-padded; one append.
    public func appendPadded(_ value: Int64, width: Int) {
        var v = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no heap
        let n = min(max(width, 0), 24)
        withUnsafeMutableBytes(of: &digits) { raw in
            for k in 0..<n {
                raw[n - 1 - k] = UInt8(ascii: "0") &+ UInt8(v % 10)
                v /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<n]))
        }
    }

    /// Writes out when the buffer passed the threshold.
    @inline(__always) public func flushIfFull() {
        if bytes.count >= flushThreshold { flush() }
    }

    /// Writes everything buffered.
    public func flush() {
        guard let descriptor, !bytes.isEmpty else { return }
        if writeError == nil {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        writeError = errno
                        return
                    }
                    offset += n
                }
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Takes the collected bytes (for a buffer without a descriptor).
    public func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }
}

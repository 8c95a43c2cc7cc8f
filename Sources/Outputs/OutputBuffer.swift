#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes on their way to a file descriptor, written in chunks of `flushThreshold` bytes.
/// Held in plain memory it owns: appending a field is a capacity check and a copy, with no
/// array uniqueness test (conn.log rows made a few dozen appends each).
public final class OutputBuffer {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes buffered.
    public private(set) var count = 0
    private let descriptor: Int32?
    /// Bytes buffered before a write(2).
    public let flushThreshold: Int
    /// The first write error (errno), after which output is discarded (e.g. EPIPE from `| head`).
    public private(set) var writeError: Int32? = nil

    /// A buffer that writes to `descriptor` (1 for stdout), or only collects when nil.
    public init(descriptor: Int32?, flushThreshold: Int = 1 << 16) {
        self.descriptor = descriptor
        self.flushThreshold = flushThreshold
        capacity = min(max(flushThreshold, 0), 1 << 20) + 4096
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// What is buffered, as an array (tests and in-memory writers).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// Makes room for `n` more bytes and returns where they go; the caller then adds what it
    /// wrote to `count` through `commit`.
    @inline(__always)
    func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if n > capacity - count { grow(toHold: n) }
        return storage + count
    }

    @inline(__always)
    func commit(_ n: Int) { count += n }

    private func grow(toHold n: Int) {
        var larger = max(capacity, 64)
        while larger - count < n { larger *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: storage, count: count)
        storage.deallocate()
        storage = moved
        capacity = larger
    }

    public func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        count += 1
    }

    public func append(_ text: String) {
        var text = text
        text.withUTF8 { append(buffer: $0) }
    }

    public func append(_ other: [UInt8]) {
        other.withUnsafeBufferPointer { append(buffer: $0) }
    }

    public func append(buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        reserve(buffer.count).update(from: base, count: buffer.count)
        count += buffer.count
    }

    public func append(_ text: StaticString) {
        text.withUTF8Buffer { append(buffer: $0) }
    }

    /// Appends a decimal number (a negative one with its sign).
    public func appendDecimal<T: BinaryInteger>(_ value: T) {
        if value < 0 { append(UInt8(ascii: "-")) }  // a signed count from a hostile feed
        let v = UInt64(truncatingIfNeeded: value.magnitude)
        var digits = 1
        var limit: UInt64 = 10
        while digits < 20 && v >= limit {  // 20 digits hold UInt64.max
            digits += 1
            limit = limit &* 10
        }
        OutputBuffer.writeDigits(v, count: digits, to: reserve(digits))
        count += digits
    }

    /// "00" through "99": numbers are written two digits per division.
    static let digitPairs: StaticString = """
        0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
        5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
        """

    /// Writes the lowest `count` decimal digits of `value` at `out`, zero-padded.
    @inline(__always)
    static func writeDigits(_ value: UInt64, count: Int, to out: UnsafeMutablePointer<UInt8>) {
        let pairs = digitPairs.utf8Start
        var v = value, k = count
        while k >= 2 {
            let pair = Int(v % 100) * 2
            v /= 100
            k -= 2
            out[k] = pairs[pair]
            out[k + 1] = pairs[pair + 1]
        }
        if k == 1 { out[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10) }
    }

    /// Appends a signed decimal number.
    public func appendSigned(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    /// Appends `value` as exactly `width` digits (its lowest ones), zero-padded.
    public func appendPadded(_ value: Int64, width: Int) {
        let n = min(max(width, 0), 24)
        OutputBuffer.writeDigits(value.magnitude, count: n, to: reserve(n))
        count += n
    }

    /// Writes out when the buffer passed the threshold.
    @inline(__always) public func flushIfFull() {
        if count >= flushThreshold { flush() }
    }

    /// Writes everything buffered.
    public func flush() {
        guard let descriptor, count > 0 else { return }
        if writeError == nil {
            var offset = 0
            while offset < count {
                let n = write(descriptor, storage + offset, count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    writeError = errno
                    break
                }
                offset += n
            }
        }
        count = 0
    }

    /// Takes the collected bytes (for a buffer without a descriptor).
    public func take() -> [UInt8] {
        defer { count = 0 }
        return bytes
    }
}

import CPcap
import SensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pcapng reader for files libpcap refuses: interfaces with different link types in one
/// file (libpcap 1.10 accepts only one). Used by `PacketSource` as a fallback, never first.
///
/// Reads Section Header, Interface Description, Enhanced, Simple and (obsolete) Packet
/// blocks; skips the rest. Honours each section's byte order and each interface's
/// if_tsresol and if_tsoffset. Block lengths are checked before use.
final class PcapngReader {
    private let file: UnsafeMutablePointer<FILE>
    /// One block at a time; grown on demand up to `maximumBlockLength`.
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var bigEndian = false
    private var interfaces: [Interface] = []
    /// Blocks larger than this are refused as corrupt (libpcap's own limit is 16 MiB).
    static let maximumBlockLength = 16 << 20

    struct Interface {
        var linkType: LinkType
        var snapLength: Int
        /// Timestamp units per second, and the offset in seconds added to every timestamp.
        var unitsPerSecond: UInt64 = 1_000_000
        var offsetSeconds: Int64 = 0
    }

    enum Next {
        case packet(Frame)
        case end
        case truncated(String)
        case failed(String)
    }

    init?(path: String) {
        guard let f = fopen(path, "rb") else { return nil }
        file = f
        capacity = 1 << 16
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        fclose(file)
        storage.deallocate()
    }

    /// Reads `count` bytes into the block buffer at `at`; returns the bytes read.
    private func read(_ count: Int, at: Int) -> Int {
        if at + count > capacity {
            let grown = UnsafeMutableRawPointer.allocate(byteCount: at + count, alignment: 16)
            grown.copyMemory(from: storage, byteCount: at)
            storage.deallocate()
            storage = grown
            capacity = at + count
        }
        return fread(storage + at, 1, count, file)
    }

    private func byte(_ o: Int) -> UInt8 { storage.load(fromByteOffset: o, as: UInt8.self) }

    private func u32(_ o: Int) -> UInt32 {
        let v = UInt32(byte(o)) | UInt32(byte(o + 1)) << 8 | UInt32(byte(o + 2)) << 16 | UInt32(byte(o + 3)) << 24
        return bigEndian ? v.byteSwapped : v
    }

    private func u16(_ o: Int) -> UInt16 {
        let v = UInt16(byte(o)) | UInt16(byte(o + 1)) << 8
        return bigEndian ? v.byteSwapped : v
    }

    /// The next packet; the frame's bytes are valid until the next call.
    func next() -> Next {
        while true {
            let got = read(8, at: 0)
            if got == 0 { return .end }
            if got < 8 { return .truncated("truncated pcapng file: block header cut after \(got) bytes") }
            let rawType = UInt32(byte(0)) | UInt32(byte(1)) << 8 | UInt32(byte(2)) << 16 | UInt32(byte(3)) << 24
            if rawType == 0x0A0D0D0A {
                // Section Header: the byte-order magic decides how to read everything after it.
                guard read(4, at: 8) == 4 else { return .truncated("truncated pcapng file: section header cut") }
                let magic = UInt32(byte(8)) | UInt32(byte(9)) << 8 | UInt32(byte(10)) << 16 | UInt32(byte(11)) << 24
                switch magic {
                case 0x1A2B3C4D: bigEndian = false
                case 0x4D3C2B1A: bigEndian = true
                default: return .failed("bad pcapng byte-order magic 0x\(String(magic, radix: 16))")
                }
                interfaces.removeAll()
                let length = Int(u32(4))
                guard length >= 28, length % 4 == 0, length <= PcapngReader.maximumBlockLength else {
                    return .failed("bad pcapng section header length \(length)")
                }
                guard read(length - 12, at: 12) == length - 12 else { return .truncated("truncated pcapng file: section header cut") }
                continue
            }
            let type = u32(0)
            let length = Int(u32(4))
            guard length >= 12, length % 4 == 0, length <= PcapngReader.maximumBlockLength else {
                return .failed("bad pcapng block length \(length) for block type \(type)")
            }
            guard read(length - 8, at: 8) == length - 8 else {
                return .truncated("truncated pcapng file: block of \(length) bytes cut")
            }
            let bodyEnd = length - 4
            switch type {
            case 1:  // Interface Description
                guard bodyEnd >= 16 else { return .failed("short interface description block") }
                var i = Interface(linkType: LinkType(rawValue: UInt32(u16(8))), snapLength: Int(u32(12)))
                var o = 16
                while o + 4 <= bodyEnd {
                    let code = u16(o), optionLength = Int(u16(o + 2))
                    if code == 0 { break }
                    guard o + 4 + optionLength <= bodyEnd else { break }
                    if code == 9 && optionLength >= 1 {  // if_tsresol
                        let r = byte(o + 4)
                        let exponent = Int(r & 0x7f)
                        if r & 0x80 == 0 {
                            guard exponent <= 19 else { return .failed("if_tsresol 10^-\(exponent) is beyond 64-bit timestamps") }
                            i.unitsPerSecond = (0..<exponent).reduce(1) { v, _ in v * 10 }
                        } else {
                            guard exponent < 64 else { return .failed("if_tsresol 2^-\(exponent) is beyond 64-bit timestamps") }
                            i.unitsPerSecond = 1 << UInt64(exponent)
                        }
                    } else if code == 14 && optionLength >= 8 {  // if_tsoffset
                        i.offsetSeconds = Int64(bitPattern: UInt64(u32(o + 4)) | UInt64(u32(o + 8)) << 32)
                    }
                    o += 4 + (optionLength + 3) & ~3
                }
                interfaces.append(i)
            case 6, 2:  // Enhanced Packet, obsolete Packet
                guard bodyEnd >= 28 else { return .failed("short packet block") }
                let interfaceID = type == 6 ? Int(u32(8)) : Int(u16(8))
                guard interfaceID < interfaces.count else { return .failed("packet block names interface \(interfaceID), which was never described") }
                let captured = Int(u32(20))
                let original = Int(u32(24))
                guard 28 + captured <= bodyEnd else { return .failed("packet block's captured length \(captured) exceeds the block") }
                let i = interfaces[interfaceID]
                let units = UInt64(u32(12)) << 32 | UInt64(u32(16))
                return .packet(frame(i, units: units, at: 28, captured: captured, original: original))
            case 3:  // Simple Packet: interface 0, no timestamp
                guard bodyEnd >= 12, let i = interfaces.first else { return .failed("simple packet block before any interface") }
                let original = Int(u32(8))
                let captured = min(original, bodyEnd - 12, i.snapLength > 0 ? i.snapLength : Int.max)
                return .packet(frame(i, units: 0, at: 12, captured: captured, original: original))
            default:
                continue  // statistics, name resolution, custom and unknown blocks
            }
        }
    }

    private func frame(_ i: Interface, units: UInt64, at offset: Int, captured: Int, original: Int) -> Frame {
        let seconds = Int64(clamping: units / i.unitsPerSecond) &+ i.offsetSeconds
        let remainder = units % i.unitsPerSecond
        let nanos = Int64(Double(remainder) * 1e9 / Double(i.unitsPerSecond))
        let base = UnsafeRawPointer(storage + offset)
        return Frame(timestamp: Timestamp(seconds: seconds, nanoseconds: nanos),
                     captureLength: captured, wireLength: max(original, captured), linkType: i.linkType,
                     bytes: FrameBytes(base: base, count: captured))
    }
}

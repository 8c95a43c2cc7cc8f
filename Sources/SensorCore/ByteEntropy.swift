/// Shannon entropy of byte values (bits per byte, 0 to 8): near 8 for encrypted or
/// compressed data, lower for text and protocol headers. Counts on the stack: no allocation.
public enum ByteEntropy {
    /// Bytes looked at, at most (the start of a payload says enough).
    public static let maximumBytes = 4096

    /// The entropy of the first `maximumBytes` of `b`; 0 for an empty buffer.
    public static func bits(_ b: FrameBytes) -> Double {
        let n = min(b.count, maximumBytes)
        guard n > 0 else { return 0 }
        return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 256) { counts in
            counts.initialize(repeating: 0)
            for k in 0..<n { counts[Int(b.u8(k))] &+= 1 }
            var h = 0.0
            let total = Double(n)
            for c in counts where c > 0 {
                let p = Double(c) / total
                h -= p * log2(p)
            }
            return h
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

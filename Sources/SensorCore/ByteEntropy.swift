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
            // H = log2(n) - (1/n) * sum of c * log2(c), with c * log2(c) from a table: a log2
            // per distinct byte value was most of the cost.
            var sum = 0.0
            countLog2Count.withUnsafeBufferPointer { table in
                for c in counts where c > 0 { sum += table[Int(c)] }
            }
            let total = Double(n)
            return max(0, log2(total) - sum / total)
        }
    }

    /// c * log2(c) for every count c a buffer can reach (0 for 0).
    static let countLog2Count: [Double] = (0...maximumBytes).map { $0 == 0 ? 0 : Double($0) * log2(Double($0)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

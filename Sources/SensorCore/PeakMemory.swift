#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's peak resident memory so far, MiB (getrusage's `ru_maxrss`: KiB on Linux,
/// bytes on macOS). The benchmarks report it.
public enum PeakMemory {
    public static var mebibytes: Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(0, &usage)  // RUSAGE_SELF
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) line by line in 1 MiB chunks. A line longer than
/// `maximumLineLength` is not held: it is reported as `.tooLong` and skipped to its end.
final class LineReader {
    enum Line {
        case text([UInt8])
        case tooLong
    }

    static let maximumLineLength = 1 << 20
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0
    private var atEOF = false
    private(set) var failed = false

    /// Opens `path` ("-" is standard input); nil with errno set when it cannot be opened.
    init?(path: String) {
        if path == "-" {
            guard let f = fdopen(0, "rb") else { return nil }
            file = f
            ownsFile = false
        } else {
            guard let f = fopen(path, "rb") else { return nil }
            file = f
            ownsFile = true
        }
    }

    deinit { if ownsFile { fclose(file) } }

    private func fill() {
        if start > 0 {
            let n = end - start
            if n > 0 { buffer.withUnsafeMutableBytes { _ = memmove($0.baseAddress!, $0.baseAddress! + start, n) } }
            start = 0
            end = n
        }
        guard !atEOF, end < buffer.count else { return }
        let got = buffer.withUnsafeMutableBytes { fread($0.baseAddress! + end, 1, $0.count - end, file) }
        if got == 0 {
            if ferror(file) != 0 { failed = true }
            atEOF = true
        }
        end += got
    }

    /// The next line without its newline (and without a trailing CR), or nil at the end.
    func next() -> Line? {
        var scanFrom = start
        var skipping = false
        while true {
            if let nl = buffer[scanFrom..<end].firstIndex(of: 0x0A) {
                defer { start = nl + 1 }
                if skipping { return .tooLong }
                var stop = nl
                if stop > start, buffer[stop - 1] == 0x0D { stop -= 1 }
                return .text(Array(buffer[start..<stop]))
            }
            if atEOF {
                guard start < end else { return skipping ? .tooLong : nil }
                defer { start = end }
                if skipping { return .tooLong }
                return .text(Array(buffer[start..<end]))
            }
            if end - start >= LineReader.maximumLineLength {
                skipping = true
                start = end
            }
            let scanned = end - start
            fill()
            scanFrom = start + scanned
        }
    }
}

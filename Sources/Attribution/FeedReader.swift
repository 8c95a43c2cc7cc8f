#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads endpoint feeds: NDJSON in the native, osquery or ECS format (detected per document
/// unless a format is named; pretty-printed objects whose `{` stands alone on a line are read
/// too), or `lsof -F` snapshots. A bad line is counted, reported with its line number and
/// reason, and skipped; its neighbours are kept.
public enum FeedReader {
    /// Problems kept per feed with their line numbers; past it they are only counted.
    public static let maximumProblemsListed = 1000
    /// Lines a pretty-printed document may span.
    static let maximumDocumentLines = 100_000

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Everything read from one feed.
    public struct Load: Sendable {
        public var feed: String
        public var records: [FeedRecord] = []
        /// The first `maximumProblemsListed` skipped lines or rows.
        public var problems: [FeedProblem] = []
        /// Skipped lines or rows in all.
        public var problemCount = 0
        /// Lines read.
        public var lines = 0
        /// Well-formed rows that carry nothing attribution uses (other osquery tables, other ECS events).
        public var ignored = 0
        /// Documents per detected format.
        public var formats: [FeedFormat: Int] = [:]
        /// Records read in all (also those handed to a sink).
        public var recordCount = 0

        mutating func take(_ records: [FeedRecord], sink: ((FeedRecord) -> Void)?) {
            recordCount += records.count
            if let sink { records.forEach(sink) } else { self.records += records }
        }

        mutating func problem(_ line: Int, _ reason: String) {
            problemCount += 1
            if problems.count < FeedReader.maximumProblemsListed { problems.append(FeedProblem(feed: feed, line: line, reason: reason)) }
        }
    }

    /// Reads the feed at `path` ("-": standard input). With `sink`, records are handed to it as
    /// they are read instead of being kept in `records` (a large feed is never held whole).
    public static func read(path: String, format: FeedFormat? = nil, sink: ((FeedRecord) -> Void)? = nil) throws(Failure) -> Load {
        guard let reader = LineReader(path: path) else {
            let reason = String(cString: strerror(errno))
            throw Failure(description: "cannot open feed \(path): \(reason)")
        }
        var load = read(lines: { reader.next() }, name: path, format: format, sink: sink)
        if reader.failed { load.problem(load.lines, "read error; the feed may be incomplete") }
        return load
    }

    /// Reads a feed held in memory (tests, HTTP bodies).
    public static func read(text: String, name: String = "feed", format: FeedFormat? = nil) -> Load {
        var lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).makeIterator()
        return read(lines: {
            guard let l = lines.next() else { return nil }
            var bytes = Array(l)
            if bytes.last == 0x0D { bytes.removeLast() }
            return .text(bytes)
        }, name: name, format: format)
    }

    static func read(lines next: () -> LineReader.Line?, name: String, format: FeedFormat?, sink: ((FeedRecord) -> Void)? = nil) -> Load {
        var load = Load(feed: name)
        var lsof: LsofFieldParser? = format == .lsof ? LsofFieldParser() : nil
        var decided = format != nil
        // A pretty-printed document in progress: its lines (with numbers) and bracket depth.
        var pending: [(Int, [UInt8])] = []
        var pendingBytes = 0
        var depth = JSONDepth()
        var number = 0
        var replay: [(Int, [UInt8])] = []
        func trimmed(_ b: [UInt8]) -> ArraySlice<UInt8> {
            var s = b[...]
            while let f = s.first, f == 0x20 || f == 0x09 { s.removeFirst() }
            while let l = s.last, l == 0x20 || l == 0x09 { s.removeLast() }
            return s
        }
        func single(_ line: Int, _ bytes: [UInt8]) {
            do {
                take(try JSONParser.parse(bytes), line: line, format: format, into: &load, sink: sink)
            } catch {
                load.problem(line, "not JSON: \(error)")
            }
        }
        while true {
            let line: (Int, [UInt8])
            if !replay.isEmpty {
                line = replay.removeFirst()
            } else {
                guard let l = next() else { break }
                number += 1
                guard case .text(var bytes) = l else {
                    load.problem(number, "line longer than \(LineReader.maximumLineLength) bytes")
                    continue
                }
                if number == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // UTF-8 byte-order mark
                line = (number, bytes)
            }
            let (lineNumber, bytes) = line
            if !pending.isEmpty {
                pending.append(line)
                pendingBytes += bytes.count + 1
                depth.scan(bytes)
                if depth.closed {
                    let document = Array(pending.map(\.1).joined(separator: [0x0A]))
                    if case .success(let v) = Result(catching: { () throws(JSONParser.Failure) in try JSONParser.parse(document) }) {
                        take(v, line: pending[0].0, format: format, into: &load, sink: sink)
                    } else {
                        load.problem(pending[0].0, "a multi-line JSON document that does not parse")
                    }
                    pending = []
                } else if pending.count >= maximumDocumentLines || pendingBytes > LineReader.maximumLineLength || depth.broken {
                    // Not a document after all: report its first line and read the others one by one.
                    load.problem(pending[0].0, "unterminated JSON document")
                    replay = Array(pending.dropFirst()) + replay
                    pending = []
                }
                continue
            }
            let t = trimmed(bytes)
            if t.isEmpty { continue }
            if !decided {
                decided = true
                let text = String(decoding: t, as: UTF8.self)
                let lsofLike = text.hasPrefix(LsofFieldParser.marker)
                    || (text.first == "p" && text.count > 1 && text.dropFirst().allSatisfy(\.isNumber))
                if lsofLike { lsof = LsofFieldParser() }
            }
            if lsof != nil {
                lsof!.take(Substring(decoding: bytes, as: UTF8.self), number: lineNumber)
                // Records and problems leave the parser as they come, so a large feed is not held.
                let (records, problems) = lsof!.drain()
                load.take(records, sink: sink)
                for (l, reason) in problems { load.problem(l, reason) }
                continue
            }
            if t == [UInt8(ascii: "{")] || t == [UInt8(ascii: "[")] {
                pending = [line]
                pendingBytes = bytes.count
                depth = JSONDepth()
                depth.scan(bytes)
                continue
            }
            single(lineNumber, bytes)
        }
        if !pending.isEmpty {
            load.problem(pending[0].0, "unterminated JSON document at the end of the feed")
            for (l, b) in pending.dropFirst() where !trimmed(b).isEmpty { single(l, b) }
        }
        if var parser = lsof {
            parser.finish()
            let (records, problems) = parser.drain()
            load.take(records, sink: sink)
            load.ignored += parser.ignored
            for (l, reason) in problems { load.problem(l, reason) }
            load.formats[.lsof] = parser.recordsSeen
        }
        load.lines = number
        return load
    }

    /// Bracket depth of JSON text fed line by line, outside strings.
    struct JSONDepth {
        private var depth = 0
        private var inString = false
        private var escaped = false
        /// The document's outermost bracket has closed.
        private(set) var closed = false
        /// More closing than opening brackets: not one document.
        private(set) var broken = false

        mutating func scan(_ bytes: [UInt8]) {
            for b in bytes {
                if inString {
                    if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                    continue
                }
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { closed = true } else if depth < 0 { broken = true }
                default: break
                }
            }
            // A string cannot span lines in JSON.
            if inString { broken = true }
        }
    }

    /// Adapts one JSON document: a top-level array is taken as a list of documents.
    static func take(_ v: JSONValue, line: Int, format: FeedFormat?, into load: inout Load, sink: ((FeedRecord) -> Void)?) {
        if case .array(let items) = v {
            for item in items { take(item, line: line, format: format, into: &load, sink: sink) }
            return
        }
        guard v.isObject else { load.problem(line, "not a JSON object"); return }
        guard let f = format ?? FeedFormat.detect(v) else {
            load.problem(line, "not a known feed record (native 'type', osquery results, or ECS event)")
            return
        }
        var batch = FeedBatch()
        do throws(FeedLineError) {
            switch f {
            case .native: try NativeFeedAdapter.adapt(v, into: &batch)
            case .osquery: try OsqueryResultsAdapter.adapt(v, into: &batch)
            case .ecs: try ECSEventAdapter.adapt(v, into: &batch)
            case .lsof: throw FeedLineError("JSON in an lsof feed")
            }
        } catch {
            load.problem(line, "\(f.rawValue): \(error.reason)")
            return
        }
        load.formats[f, default: 0] += 1
        load.take(batch.records, sink: sink)
        load.ignored += batch.ignored
        for p in batch.problems { load.problem(line, "\(f.rawValue): \(p)") }
    }
}

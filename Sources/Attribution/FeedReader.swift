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
        var lsof: LsofFieldParser?
        var document: [UInt8] = []
        var documentStart = 0
        var documentLines = 0
        var number = 0
        func isBlank(_ b: [UInt8]) -> Bool { b.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        func trimmed(_ b: [UInt8]) -> ArraySlice<UInt8> {
            var s = b[...]
            while let f = s.first, f == 0x20 || f == 0x09 { s.removeFirst() }
            while let l = s.last, l == 0x20 || l == 0x09 { s.removeLast() }
            return s
        }
        while let line = next() {
            number += 1
            guard case .text(let bytes) = line else {
                load.problem(number, "line longer than \(LineReader.maximumLineLength) bytes")
                continue
            }
            if !document.isEmpty {
                document.append(0x0A)
                document.append(contentsOf: bytes)
                documentLines += 1
                let t = trimmed(bytes)
                if t == [UInt8(ascii: "}")] || t == [UInt8(ascii: "]")] {
                    if case .success(let v) = Result(catching: { () throws(JSONParser.Failure) in try JSONParser.parse(document) }) {
                        take(v, line: documentStart, format: format, into: &load, sink: sink)
                        document = []
                    }
                }
                if !document.isEmpty, documentLines >= maximumDocumentLines || document.count > LineReader.maximumLineLength {
                    load.problem(documentStart, "unterminated JSON document")
                    document = []
                }
                continue
            }
            if isBlank(bytes) { continue }
            if lsof == nil, format == .lsof || (format == nil && !bytes.isEmpty && trimmed(bytes).first != UInt8(ascii: "{") && trimmed(bytes).first != UInt8(ascii: "[") && load.formats.isEmpty && load.recordCount == 0) {
                lsof = LsofFieldParser()
            }
            if lsof != nil {
                lsof!.take(Substring(decoding: bytes, as: UTF8.self), number: number)
                continue
            }
            let t = trimmed(bytes)
            if t == [UInt8(ascii: "{")] || t == [UInt8(ascii: "[")] {
                document = bytes
                documentStart = number
                documentLines = 1
                continue
            }
            do {
                take(try JSONParser.parse(bytes), line: number, format: format, into: &load, sink: sink)
            } catch {
                load.problem(number, "not JSON: \(error)")
            }
        }
        if !document.isEmpty { load.problem(documentStart, "unterminated JSON document at the end of the feed") }
        if var parser = lsof {
            parser.finish()
            load.take(parser.batch.records, sink: sink)
            load.ignored += parser.batch.ignored
            for (line, reason) in parser.problems { load.problem(line, reason) }
            load.formats[.lsof] = parser.batch.records.count
        }
        load.lines = number
        return load
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

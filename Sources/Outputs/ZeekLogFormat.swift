/// How Zeek-style logs are written: Zeek's TSV framing, or one JSON object per line.
public enum ZeekLogFormat: String, Sendable, CaseIterable {
    case tsv
    case json
}

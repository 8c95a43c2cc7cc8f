import Flows

/// The Zeek-style logs of one run, in one directory: conn.log and dns.log.
public final class ZeekLogSet {
    public let conn: ConnLogWriter
    public let dns: DNSLogWriter

    /// Creates (or truncates) the logs in `directory`.
    public init(directory: String, format: ZeekLogFormat) throws(OutputError) {
        conn = try ConnLogWriter(path: directory + "/conn.log", format: format)
        dns = try DNSLogWriter(path: directory + "/dns.log", format: format)
    }

    /// Logs kept in memory (tests).
    public init(format: ZeekLogFormat) {
        conn = ConnLogWriter(format: format)
        dns = DNSLogWriter(format: format)
    }

    /// Writes what the flow table finished: flows and DNS transactions.
    public func write(from table: FlowTable) {
        if !table.finished.isEmpty { for r in table.drain() { conn.write(r) } }
        if !table.dns.completed.isEmpty { for t in table.dns.drain() { dns.write(t) } }
    }

    /// Rows written per log, by log name.
    public var rows: [(String, Int)] { [("conn", conn.rows), ("dns", dns.rows)] }

    public func close() {
        conn.close()
        dns.close()
    }
}

import Flows

/// The Zeek-style logs of one run, in one directory: conn, dns, ssl, quic and http.
public final class ZeekLogSet {
    public let conn: ConnLogWriter
    public let dns: DNSLogWriter
    public let ssl: SSLLogWriter
    public let quic: QUICLogWriter
    public let http: HTTPLogWriter

    /// Creates (or truncates) the logs in `directory`.
    public init(directory: String, format: ZeekLogFormat) throws(OutputError) {
        conn = try ConnLogWriter(path: directory + "/conn.log", format: format)
        dns = try DNSLogWriter(path: directory + "/dns.log", format: format)
        ssl = try SSLLogWriter(path: directory + "/ssl.log", format: format)
        quic = try QUICLogWriter(path: directory + "/quic.log", format: format)
        http = try HTTPLogWriter(path: directory + "/http.log", format: format)
    }

    /// Logs kept in memory (tests).
    public init(format: ZeekLogFormat) {
        conn = ConnLogWriter(format: format)
        dns = DNSLogWriter(format: format)
        ssl = SSLLogWriter(format: format)
        quic = QUICLogWriter(format: format)
        http = HTTPLogWriter(format: format)
    }

    /// Writes what the flow table finished: flows, DNS and HTTP transactions, TLS and QUIC sessions.
    public func write(from table: FlowTable) {
        if !table.finished.isEmpty { for r in table.drain() { conn.write(r) } }
        if !table.dns.completed.isEmpty { for t in table.dns.drain() { dns.write(t) } }
        if !table.tls.completed.isEmpty { for s in table.tls.drain() { ssl.write(s) } }
        if !table.quic.completed.isEmpty { for q in table.quic.drain() { quic.write(q) } }
        if !table.http.completed.isEmpty { for t in table.http.drain() { http.write(t) } }
    }

    /// Rows written per log, by log name.
    public var rows: [(String, Int)] { [("conn", conn.rows), ("dns", dns.rows), ("ssl", ssl.rows), ("quic", quic.rows), ("http", http.rows)] }

    public func close() {
        conn.close()
        dns.close()
        ssl.close()
        quic.close()
        http.close()
    }
}

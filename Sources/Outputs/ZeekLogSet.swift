import Attribution
import Flows
import SensorCore

/// The Zeek-style logs of one run, in one directory: conn, dns, ssl, quic, http, ssh, weird
/// and QuietWire's icmp.log.
public final class ZeekLogSet {
    public let conn: ConnLogWriter
    /// Interim records of flows still open (Zeek's long-connections policy writes conn_long.log).
    public let connLong: ConnLogWriter
    public let dns: DNSLogWriter
    public let ssl: SSLLogWriter
    public let quic: QUICLogWriter
    public let http: HTTPLogWriter
    public let ssh: SSHLogWriter
    public let icmp: ICMPLogWriter
    public let weird: WeirdLogWriter
    /// Attributes each flow to its endpoint process when feeds were given (conn.log then has the attribution columns).
    public let attributor: FlowAttributor?
    /// Sees every finished (not interim) flow with its attribution after it is written (the
    /// detection engine of `analyze`).
    public var observer: ((FlowRecord, Attribution) -> Void)?
    /// Sees every DNS transaction after it is written.
    public var dnsObserver: ((DNSTransaction) -> Void)?
    /// Called with every finished ICMP echo flow's statistics (icmp.log rows).
    public var echoObserver: ((ICMPEchoSummary) -> Void)?
    /// Called with every TLS session (ssl.log row), HTTP transaction (http.log row) and ICMP
    /// destination unreachable message: the detection engine's failure evidence.
    public var sslObserver: ((SSLSession) -> Void)?
    public var httpObserver: ((HTTPTransaction) -> Void)?
    public var unreachableObserver: ((ICMPUnreachable) -> Void)?

    /// Creates (or truncates) the logs in `directory`.
    public init(directory: String, format: ZeekLogFormat, attributor: FlowAttributor? = nil) throws(OutputError) {
        self.attributor = attributor
        conn = try ConnLogWriter(path: directory + "/conn.log", format: format, attributed: attributor != nil)
        connLong = try ConnLogWriter(path: directory + "/conn_long.log", name: "conn_long", format: format, attributed: attributor != nil)
        dns = try DNSLogWriter(path: directory + "/dns.log", format: format)
        ssl = try SSLLogWriter(path: directory + "/ssl.log", format: format)
        quic = try QUICLogWriter(path: directory + "/quic.log", format: format)
        http = try HTTPLogWriter(path: directory + "/http.log", format: format)
        ssh = try SSHLogWriter(path: directory + "/ssh.log", format: format)
        icmp = try ICMPLogWriter(path: directory + "/icmp.log", format: format)
        weird = try WeirdLogWriter(path: directory + "/weird.log", format: format)
    }

    /// Logs kept in memory (tests).
    public init(format: ZeekLogFormat, attributor: FlowAttributor? = nil) {
        self.attributor = attributor
        conn = ConnLogWriter(format: format, attributed: attributor != nil)
        connLong = ConnLogWriter(name: "conn_long", format: format, attributed: attributor != nil)
        dns = DNSLogWriter(format: format)
        ssl = SSLLogWriter(format: format)
        quic = QUICLogWriter(format: format)
        http = HTTPLogWriter(format: format)
        ssh = SSHLogWriter(format: format)
        icmp = ICMPLogWriter(format: format)
        weird = WeirdLogWriter(format: format)
    }

    /// Writes what the flow table finished: flows and every dissector's rows. `now` (packet
    /// time) is the clock of an attributor with a lag.
    public func write(from table: FlowTable, now: Timestamp = .zero) {
        // Called per packet: the common case (nothing finished) skips the writing function's
        // large frame.
        if table.hasOutput { writeFinished(from: table, now: now) }
    }

    private func writeFinished(from table: FlowTable, now: Timestamp) {
        if !table.finished.isEmpty {
            table.drain { r in
                if let attributor, !r.interim {
                    write(settled: attributor.settle(r, now: now))
                    return
                }
                let a = attributor?.attribute(r)
                (r.interim ? connLong : conn).write(r, attribution: a)
                if !r.interim, let observer { observer(r, a ?? .none) }
            }
        }
        if !table.dns.completed.isEmpty {
            table.dns.drain { t in
                dns.write(t)
                dnsObserver?(t)
            }
        }
        if !table.tls.completed.isEmpty {
            for s in table.tls.drain() {
                ssl.write(s)
                sslObserver?(s)
            }
        }
        if !table.quic.completed.isEmpty { for q in table.quic.drain() { quic.write(q) } }
        if !table.http.completed.isEmpty {
            for t in table.http.drain() {
                http.write(t)
                httpObserver?(t)
            }
        }
        if !table.ssh.completed.isEmpty { for s in table.ssh.drain() { ssh.write(s) } }
        if !table.icmp.completed.isEmpty {
            for s in table.icmp.drain() {
                icmp.write(s)
                echoObserver?(s)
            }
        }
        if !table.icmp.unreachable.isEmpty {
            let messages = table.icmp.drainUnreachable()
            if let unreachableObserver { for m in messages { unreachableObserver(m) } }
        }
    }

    /// Writes finished flows whose attribution is settled (`FlowAttributor.release`, `drain`).
    public func write(settled: [(FlowRecord, Attribution)]) {
        for (r, a) in settled {
            conn.write(r, attribution: a)
            observer?(r, a)
        }
    }

    /// Rows written per log, by log name.
    public var rows: [(String, Int)] { [("conn", conn.rows), ("conn_long", connLong.rows), ("dns", dns.rows), ("ssl", ssl.rows), ("quic", quic.rows), ("http", http.rows), ("ssh", ssh.rows), ("icmp", icmp.rows), ("weird", weird.rows)] }

    /// The file names of a directory's logs.
    public static let fileNames = ["conn", "conn_long", "dns", "ssl", "quic", "http", "ssh", "icmp", "weird"].map { $0 + ".log" }

    /// Hands every buffered row to its file.
    public func flush() {
        conn.flush()
        connLong.flush()
        dns.flush()
        ssl.flush()
        quic.flush()
        http.flush()
        ssh.flush()
        icmp.flush()
        weird.flush()
    }

    public func close() {
        conn.close()
        connLong.close()
        dns.close()
        ssl.close()
        quic.close()
        http.close()
        ssh.close()
        icmp.close()
        weird.close()
    }
}

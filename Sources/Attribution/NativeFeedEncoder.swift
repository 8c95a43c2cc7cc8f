import SensorCore

/// Writes records in QuietWire's native feed schema (`quietwire.feed/1`), one JSON object
/// per line, the inverse of `NativeFeedAdapter`.
public enum NativeFeedEncoder {
    public static func line(_ record: FeedRecord) -> String {
        var o = ObjectText()
        o.field("schema", NativeFeedAdapter.schema)
        switch record {
        case .socket(let s):
            o.field("type", "socket")
            o.time("time", s.time)
            o.field("host_id", s.hostID)
            o.field("event", s.event.rawValue)
            o.field("transport", SocketRecord.transportName(s.transport))
            process(s.process, &o)
            if let a = s.localAddress { o.field("local_address", a.description) }
            o.number("local_port", Int64(s.localPort))
            if let a = s.remoteAddress {
                o.field("remote_address", a.description)
                o.number("remote_port", Int64(s.remotePort))
            }
            o.field("source", s.source)
        case .agent(let a):
            o.field("type", "agent")
            o.field("host_id", a.hostID)
            o.field("label", a.label)
            if let p = a.plistPath { o.field("plist_path", p) }
            if let p = a.program { o.field("program", p) }
            if !a.programArguments.isEmpty { o.strings("program_arguments", a.programArguments) }
            if let b = a.runAtLoad { o.bool("run_at_load", b) }
            if let b = a.keepAlive { o.bool("keep_alive", b) }
            if let n = a.startInterval { o.number("start_interval", Int64(n)) }
            if let d = a.domain { o.field("domain", d.rawValue) }
            if let t = a.teamID { o.field("team_id", t) }
            o.field("source", a.source)
        case .host(let h):
            o.field("type", "host")
            o.field("host_id", h.hostID)
            if let n = h.name { o.field("name", n) }
            o.strings("addresses", h.addresses.map(\.description))
            if let t = h.validFrom { o.time("valid_from", t) }
            if let t = h.validTo { o.time("valid_to", t) }
            o.field("source", h.source)
        case .process(let p):
            o.field("type", "process")
            o.time("time", p.time)
            o.field("host_id", p.hostID)
            process(p.process, &o)
            o.field("source", p.source)
        case .lookup(let l):
            o.field("type", "dns")
            o.time("time", l.time)
            o.field("host_id", l.hostID)
            if let pid = l.pid { o.number("pid", Int64(pid)) }
            o.field("query", l.query)
            o.strings("answers", l.answers.map(\.description))
            o.field("source", l.source)
        }
        return o.text + "}"
    }

    private static func process(_ p: ProcessIdentity, _ o: inout ObjectText) {
        o.number("pid", Int64(p.pid))
        if let v = p.ppid { o.number("ppid", Int64(v)) }
        if let v = p.executable { o.field("executable", v) }
        if let v = p.name { o.field("name", v) }
        if let v = p.commandLine { o.field("command_line", v) }
        if let v = p.user { o.field("user", v) }
        if let v = p.teamID { o.field("team_id", v) }
        if let v = p.signingID { o.field("signing_id", v) }
        if let v = p.label { o.field("label", v) }
    }

    /// A JSON object being written, members in order.
    struct ObjectText {
        var text = "{"

        mutating func key(_ k: String) {
            if text.utf8.count > 1 { text += "," }
            text += "\"" + k + "\":"
        }

        mutating func field(_ k: String, _ v: String) {
            key(k)
            NativeFeedEncoder.appendQuoted(v, to: &text)
        }

        mutating func number(_ k: String, _ v: Int64) {
            key(k)
            text += String(v)
        }

        mutating func bool(_ k: String, _ v: Bool) {
            key(k)
            text += v ? "true" : "false"
        }

        /// Epoch seconds with nanoseconds.
        mutating func time(_ k: String, _ t: Timestamp) {
            key(k)
            let ns = t.subsecondNanoseconds
            let frac = String(ns)
            text += String(t.seconds) + "." + String(repeating: "0", count: 9 - frac.count) + frac
        }

        mutating func strings(_ k: String, _ list: [String]) {
            key(k)
            text += "["
            for (i, s) in list.enumerated() {
                if i > 0 { text += "," }
                NativeFeedEncoder.appendQuoted(s, to: &text)
            }
            text += "]"
        }
    }

    /// A JSON string (RFC 8259 section 7): quotes, backslashes and control characters escaped.
    static func appendQuoted(_ s: String, to text: inout String) {
        text += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7f {
                    let hex = String(u.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(u)
                }
            }
        }
        text += "\""
    }
}

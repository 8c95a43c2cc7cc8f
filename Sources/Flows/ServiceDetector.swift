import AppProtocols
import SensorCore

/// Port-independent identification of a flow's protocol from its first payload bytes.
/// Cheap and bounded: looks at no more than the first 64 bytes.
public enum ServiceDetector {
    /// The service `payload` looks like (or an empty set), and the decrypted packet when it is
    /// a QUIC client Initial.
    /// `streamStart` false: a TCP segment after the start of its direction's stream, which can
    /// only begin a TLS handshake (after STARTTLS or a proxy's CONNECT) or an SSH banner (after
    /// the lines a server may send first, RFC 4253 section 4.2); HTTP and DNS, like Zeek's
    /// signatures, are known from the bytes that start a stream.
    public static func identifyWithInitial(_ payload: FrameBytes, transport: UInt8,
                                           streamStart: Bool = true) -> (Service, QUICInitial.Packet?) {
        var initial: QUICInitial.Packet? = nil
        if transport == 6 && !streamStart {
            if looksLikeTLSHandshake(payload) { return (.ssl, nil) }
            return (matches(payload, "SSH-") ? .ssh : [], nil)
        }
        let service = classify(payload, transport: transport, initial: &initial)
        return (service, initial)
    }

    /// The service `payload` looks like, or an empty set.
    public static func identify(_ payload: FrameBytes, transport: UInt8) -> Service {
        var initial: QUICInitial.Packet? = nil
        return classify(payload, transport: transport, initial: &initial)
    }

    static func classify(_ payload: FrameBytes, transport: UInt8, initial found: inout QUICInitial.Packet?) -> Service {
        let n = payload.count
        guard n >= 4 else { return [] }
        if transport == 6 {
            if looksLikeTLSHandshake(payload) { return .ssl }  // the TLS tracker reads the handshake, across segments
            if matches(payload, "SSH-") { return .ssh }
            if isHTTP(payload) { return .http }
            if n >= 14 && looksLikeDNS(payload, offset: 2) { return .dns }  // length-prefixed
        } else if transport == 17 {
            // QUIC long header: form and fixed bits set, a version we know, then DCID length <= 20.
            if looksLikeQUICLongHeader(payload) {
                // A client Initial's CRYPTO frames carry the ClientHello, possibly over several
                // Initials: the TLS tracker collects them (then the flow also speaks "ssl").
                found = QUICInitial.decryptClientInitial(payload)
                return .quic
            }
            if n >= 12 && looksLikeDNS(payload, offset: 0) { return .dns }
        }
        return []
    }

    /// A TLS handshake record (RFC 8446 section 5.1) starting a ClientHello or ServerHello.
    static func looksLikeTLSHandshake(_ p: FrameBytes) -> Bool {
        p.count >= 6 && p.u8(0) == 0x16 && p.u8(1) == 3 && p.u8(2) <= 4 && (p.u8(5) == 1 || p.u8(5) == 2)
    }

    /// A QUIC long header (RFC 9000 section 17.2): form and fixed bits set, a version we know
    /// (or a reserved one), then a Destination Connection ID of at most 20 bytes.
    static func looksLikeQUICLongHeader(_ p: FrameBytes) -> Bool {
        guard p.count >= 7, p.u8(0) & 0xC0 == 0xC0 else { return false }
        let version = p.be32(1)
        return (version == 1 || version == 0x6b33_43cf || version & 0xffff_ff00 == 0xff00_0000
                || version & 0x0f0f_0f0f == 0x0a0a_0a0a) && p.u8(5) <= 20
    }

    static func matches(_ p: FrameBytes, _ prefix: StaticString) -> Bool {
        guard p.count >= prefix.utf8CodeUnitCount else { return false }
        for i in 0..<prefix.utf8CodeUnitCount where p.u8(i) != prefix.utf8Start[i] { return false }
        return true
    }

    static func isHTTP(_ p: FrameBytes) -> Bool {
        if matches(p, "HTTP/1.") { return true }
        // METHOD SP: upper-case token of 3..7 letters then a space and '/' or a host (CONNECT).
        var i = 0
        while i < min(p.count, 8), p.u8(i) >= UInt8(ascii: "A"), p.u8(i) <= UInt8(ascii: "Z") { i += 1 }
        return i >= 3 && i <= 7 && i + 1 < p.count && p.u8(i) == UInt8(ascii: " ")
            && (p.u8(i + 1) == UInt8(ascii: "/") || matches(p, "CONNECT ") || matches(p, "OPTIONS *"))
    }

    /// A DNS header (RFC 1035 section 4.1.1) with sane counts and a well-formed first name.
    static func looksLikeDNS(_ p: FrameBytes, offset o: Int) -> Bool {
        guard p.count - o >= 12 else { return false }
        let flags = p.be16(o + 2)
        let opcode = (flags >> 11) & 0xF
        guard opcode <= 6, opcode != 3, flags & 0x0040 == 0 else { return false }  // Z bit is zero
        let qd = p.be16(o + 4), an = p.be16(o + 6), ns = p.be16(o + 8), ar = p.be16(o + 10)
        guard qd <= 4, an <= 256, ns <= 256, ar <= 256, qd + an + ns + ar > 0 else { return false }
        guard qd > 0 else { return flags & 0x8000 != 0 }  // responses without a question (e.g. mDNS)
        // The first question: labels of 1..63 bytes ending in 0, then a type and a known class.
        var i = o + 12
        var labels = 0
        while i < p.count && i < o + 12 + 255 && labels < 64 {
            let length = Int(p.u8(i))
            if length == 0 {
                guard i + 5 <= p.count else { return false }
                let qclass = p.be16(i + 3) & 0x7fff  // mDNS uses the top bit for unicast-response
                return qclass == 1 || qclass == 3 || qclass == 4 || qclass == 254 || qclass == 255
            }
            guard length <= 63 else { return false }
            i += 1 + length
            labels += 1
        }
        return false
    }
}

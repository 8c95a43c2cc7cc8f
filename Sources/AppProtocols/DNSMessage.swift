import SensorCore

/// A DNS message (RFC 1035 section 4.1) with its questions and resource records.
///
/// Parsing is bounded everywhere: names by 255 wire bytes, 127 labels and 32 compression
/// pointers (each pointer must point backwards, so no loop survives); at most
/// `maximumRecords` records; rdata is read only inside its declared length. What cannot be
/// parsed ends the message where it stands, with `truncated` set, keeping what came before.
public struct DNSMessage: Sendable, Equatable {
    public var id: UInt16
    /// QR: true for a response.
    public var isResponse: Bool
    public var opcode: UInt8
    public var authoritative: Bool
    public var truncatedFlag: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    /// The three bits after RA: Z, AD and CD (RFC 4035 section 3.2), as Zeek's `Z` counts them.
    public var z: UInt8
    /// RCODE, extended with the OPT record's upper bits when present (RFC 6891 section 6.1.3).
    public var rcode: UInt16
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authorities: [DNSRecord] = []
    public var additionals: [DNSRecord] = []
    /// True when the message ended before its counts said (or a limit was reached).
    public var truncated = false

    /// Records parsed at most across all sections.
    public static let maximumRecords = 512

    /// Parses a message that starts at the first byte of `b` (for TCP, after the 2-byte length).
    public static func parse(_ b: FrameBytes) -> DNSMessage? {
        guard b.count >= 12 else { return nil }
        let flags = b.be16(2)
        var m = DNSMessage(
            id: b.be16(0), isResponse: flags & 0x8000 != 0, opcode: UInt8((flags >> 11) & 0xF),
            authoritative: flags & 0x0400 != 0, truncatedFlag: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0, recursionAvailable: flags & 0x0080 != 0,
            z: UInt8((flags >> 4) & 7), rcode: flags & 0xF)
        let counts = [Int(b.be16(4)), Int(b.be16(6)), Int(b.be16(8)), Int(b.be16(10))]
        var o = 12
        for _ in 0..<counts[0] {
            guard let (name, next) = DNSName.read(b, at: o), b.count - next >= 4 else { m.truncated = true; return m }
            m.questions.append(DNSQuestion(name: name, type: b.be16(next), qclass: b.be16(next + 2)))
            o = next + 4
            if m.questions.count >= maximumRecords { m.truncated = true; return m }
        }
        var total = 0
        for section in 1...3 {
            for _ in 0..<counts[section] {
                guard total < maximumRecords, let (record, next) = DNSRecord.read(b, at: o) else { m.truncated = true; return m }
                total += 1
                o = next
                switch section {
                case 1: m.answers.append(record)
                case 2: m.authorities.append(record)
                default:
                    if record.type == 41 { m.rcode |= UInt16(record.ttl >> 24) << 4 }
                    m.additionals.append(record)
                }
            }
        }
        return m
    }
}

/// A question: name, QTYPE, QCLASS.
public struct DNSQuestion: Sendable, Equatable {
    public var name: DNSName
    public var type: UInt16
    public var qclass: UInt16
}

import Flows
import SensorCore
import Wire

extension OutputBuffer {
    /// Appends an address in its text form (dotted quad, RFC 5952).
    public func append(_ address: IPAddress) {
        commit(address.writeText(to: reserve(IPAddress.maximumTextLength)))
    }

    /// Appends a Community ID in its text form ("1:" and base64).
    public func append(_ id: CommunityID) {
        commit(id.write(to: reserve(CommunityID.textLength)))
    }

    /// Appends a timestamp as epoch seconds with nine decimals (`1700000000.123456789`).
    public func append(_ t: Timestamp) {
        appendSigned(t.seconds)
        append(UInt8(ascii: "."))
        appendPadded(t.subsecondNanoseconds, width: 9)
    }

    /// Appends TCP flags in tcpdump's letters: S F R P U E W, "." for ACK.
    public func appendFlags(_ f: TCPFlags) {
        if f.contains(.syn) { append(UInt8(ascii: "S")) }
        if f.contains(.fin) { append(UInt8(ascii: "F")) }
        if f.contains(.rst) { append(UInt8(ascii: "R")) }
        if f.contains(.psh) { append(UInt8(ascii: "P")) }
        if f.contains(.urg) { append(UInt8(ascii: "U")) }
        if f.contains(.ece) { append(UInt8(ascii: "E")) }
        if f.contains(.cwr) { append(UInt8(ascii: "W")) }
        if f.contains(.ns) { append(UInt8(ascii: "N")) }
        if f.contains(.ack) { append(UInt8(ascii: ".")) }
    }
}

import Crypto
import Foundation
import SensorCore
import _CryptoExtras

/// Reads QUIC Initial packets, the client's and the server's: derives the Initial keys from
/// the client's Destination Connection ID (RFC 9001 section 5.2; RFC 9369 section 3.3.1 for
/// version 2), removes header protection (RFC 9001 section 5.4), decrypts with AES-128-GCM,
/// and collects the CRYPTO frames (RFC 9000 section 19.6) that carry the TLS ClientHello and ServerHello.
public enum QUICInitial {
    /// QUIC versions with known Initial salts.
    public static let version1: UInt32 = 0x0000_0001
    public static let version2: UInt32 = 0x6b33_43cf

    /// A decrypted Initial: its version, connection ID and the CRYPTO data by offset.
    public struct Packet: Sendable {
        public var version: UInt32
        public var destinationConnectionID: [UInt8]
        /// CRYPTO frames in packet order: (offset in the crypto stream, bytes).
        public var crypto: [(offset: Int, data: [UInt8])]

        /// True when the crypto stream at offset 0 begins a TLS ClientHello (handshake type 1).
        public var startsClientHello: Bool {
            crypto.contains { $0.offset == 0 && $0.data.first == 1 }
        }

        /// True when the crypto stream at offset 0 begins a TLS ServerHello (handshake type 2).
        public var startsServerHello: Bool {
            crypto.contains { $0.offset == 0 && $0.data.first == 2 }
        }

        /// The crypto stream from offset 0 as far as this packet's frames reach without a gap
        /// (clients such as Chrome scatter the ClientHello over frames in any order).
        public var contiguousCrypto: [UInt8] { QUICInitial.contiguous(crypto) }
    }

    /// The crypto stream from offset 0 as far as `frames` reach without a gap, in any order.
    public static func contiguous(_ frames: [(offset: Int, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var progressed = true
        while progressed {
            progressed = false
            for frame in frames where frame.offset <= out.count && frame.offset + frame.data.count > out.count {
                out += frame.data[(out.count - frame.offset)...]
                progressed = true
            }
        }
        return out
    }

    /// The packet-protection keys of one direction.
    public struct Keys: Sendable, Equatable {
        public var key: [UInt8]
        public var iv: [UInt8]
        public var headerProtection: [UInt8]
    }

    static func salt(for version: UInt32) -> [UInt8]? {
        switch version {
        case version1:
            return hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
        case version2:
            return hex("0dede3def700a6db819381be6e269dcbf9bd2ed9")
        case 0xff00_001d...0xff00_0020:  // drafts 29 to 32
            return hex("afbfec289993d24c9e9786f19c6111e04390a899")
        default:
            // Reserved versions (0x?a?a?a?a, RFC 9000 section 15) force version negotiation;
            // the clients seen doing so (interop runner) protect those Initials with the
            // draft-29 keys, as tshark assumes too.
            return version & 0x0f0f_0f0f == 0x0a0a_0a0a ? hex("afbfec289993d24c9e9786f19c6111e04390a899") : nil
        }
    }

    /// The client's Initial keys for `version` and the client-chosen `connectionID`.
    public static func clientKeys(version: UInt32, connectionID: [UInt8]) -> Keys? {
        keys(version: version, connectionID: connectionID, label: "client in")
    }

    /// The server's Initial keys: derived from the client's first Destination Connection ID too.
    public static func serverKeys(version: UInt32, connectionID: [UInt8]) -> Keys? {
        keys(version: version, connectionID: connectionID, label: "server in")
    }

    static func keys(version: UInt32, connectionID: [UInt8], label: String) -> Keys? {
        guard let salt = salt(for: version) else { return nil }
        let initial = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: connectionID), salt: salt)
        let directional = expandLabel(initial, label, length: 32)
        let prefix = version == version2 ? "quicv2 " : "quic "
        let secret = SymmetricKey(data: directional)
        return Keys(key: expandLabel(secret, prefix + "key", length: 16),
                    iv: expandLabel(secret, prefix + "iv", length: 12),
                    headerProtection: expandLabel(secret, prefix + "hp", length: 16))
    }

    /// HKDF-Expand-Label (RFC 8446 section 7.1) with an empty context.
    static func expandLabel<K: ContiguousBytes>(_ secret: K, _ label: String, length: Int) -> [UInt8] {
        let full = Array(("tls13 " + label).utf8)
        var info: [UInt8] = [UInt8(length >> 8), UInt8(length & 0xff), UInt8(full.count)]
        info += full
        info.append(0)
        let out = HKDF<SHA256>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
        return out.withUnsafeBytes { Array($0) }
    }

    /// Largest datagram examined (a QUIC Initial is at least 1200 bytes; jumbo frames stop here).
    public static let maximumDatagram = 4096

    /// Decrypts the first packet of `datagram` when it is a client Initial of a known version.
    /// Returns nil for anything else or anything that does not authenticate.
    public static func decryptClientInitial(_ datagram: FrameBytes) -> Packet? {
        decryptInitial(datagram, serverFor: nil)
    }

    /// Decrypts a later client Initial with the keys of the connection ID the client first
    /// chose (a client that switched to the server's connection ID keeps those keys).
    public static func decryptClientInitial(_ datagram: FrameBytes, originalConnectionID: [UInt8]) -> Packet? {
        decryptInitial(datagram, serverFor: nil, clientFor: originalConnectionID)
    }

    /// Decrypts the first packet of `datagram` when it is the server's Initial of the
    /// connection whose client first chose `clientConnectionID` as Destination Connection ID.
    public static func decryptServerInitial(_ datagram: FrameBytes, clientConnectionID: [UInt8]) -> Packet? {
        decryptInitial(datagram, serverFor: clientConnectionID)
    }

    static func decryptInitial(_ datagram: FrameBytes, serverFor clientConnectionID: [UInt8]?,
                               clientFor originalConnectionID: [UInt8]? = nil) -> Packet? {
        let n = min(datagram.count, maximumDatagram)
        guard n >= 7 else { return nil }
        let first = datagram.u8(0)
        guard first & 0x80 != 0 else { return nil }  // long header
        let version = datagram.be32(1)
        let type = (first >> 4) & 0x3
        guard type == (version == version2 ? 1 : 0) else { return nil }  // Initial
        var o = 5
        let dcidLength = Int(datagram.u8(o)); o += 1
        guard dcidLength <= 20, n - o >= dcidLength + 1 else { return nil }
        let dcid = (0..<dcidLength).map { datagram.u8(o + $0) }
        o += dcidLength
        let scidLength = Int(datagram.u8(o)); o += 1
        guard scidLength <= 20, n - o >= scidLength else { return nil }
        o += scidLength
        guard let tokenLength = varint(datagram, &o, limit: n), n - o >= tokenLength else { return nil }
        o += tokenLength
        guard let length = varint(datagram, &o, limit: n), length >= 20, n - o >= length else { return nil }
        let pnOffset = o
        let packetEnd = o + length
        let keys = clientConnectionID.map { serverKeys(version: version, connectionID: $0) }
            ?? clientKeys(version: version, connectionID: originalConnectionID ?? dcid)
        guard let keys else { return nil }

        // Header protection: a 16-byte sample from 4 bytes past the packet number's start.
        guard packetEnd - pnOffset >= 4 + 16 else { return nil }
        var mask = (0..<16).map { datagram.u8(pnOffset + 4 + $0) }
        guard (try? AES.permute(&mask, key: SymmetricKey(data: keys.headerProtection))) != nil else { return nil }
        var header = (0..<pnOffset).map { datagram.u8($0) }
        header[0] ^= mask[0] & 0x0f
        let pnLength = Int(header[0] & 0x03) + 1
        var packetNumber: UInt64 = 0
        for k in 0..<pnLength {
            let b = datagram.u8(pnOffset + k) ^ mask[1 + k]
            header.append(b)
            packetNumber = packetNumber << 8 | UInt64(b)
        }
        // Nonce: the IV with the packet number XORed into its low bytes.
        var nonce = keys.iv
        for k in 0..<8 { nonce[11 - k] ^= UInt8((packetNumber >> (8 * UInt64(k))) & 0xff) }
        let payloadStart = pnOffset + pnLength
        guard packetEnd - payloadStart > 16 else { return nil }
        let sealed = (payloadStart..<packetEnd).map { datagram.u8($0) }
        guard let box = try? AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce),
                                               ciphertext: sealed.dropLast(16), tag: sealed.suffix(16)),
              let plain = try? AES.GCM.open(box, using: SymmetricKey(data: keys.key), authenticating: header)
        else { return nil }
        let frames = Array(plain)
        return Packet(version: version, destinationConnectionID: dcid, crypto: cryptoFrames(frames))
    }

    /// Walks the frames of a decrypted Initial and keeps the CRYPTO data; stops at the first
    /// frame type an Initial may not carry. At most 256 frames (a padding run counts once).
    public static func cryptoFrames(_ f: [UInt8]) -> [(offset: Int, data: [UInt8])] {
        var out: [(offset: Int, data: [UInt8])] = []
        return f.withUnsafeBytes { raw in
            let b = FrameBytes(raw)
            var o = 0
            var frames = 0
            while o < b.count && frames < 256 {
                frames += 1
                let type = b.u8(o); o += 1
                switch type {
                case 0x00:  // PADDING: a run of zero bytes counts as one frame
                    while o < b.count && b.u8(o) == 0 { o += 1 }
                case 0x01:  // PING
                    continue
                case 0x02, 0x03:  // ACK: largest, delay, range count, first range, ranges, [ECN counts]
                    guard varint(b, &o, limit: b.count) != nil, varint(b, &o, limit: b.count) != nil,
                          let ranges = varint(b, &o, limit: b.count), ranges <= 256,
                          varint(b, &o, limit: b.count) != nil else { return out }
                    for _ in 0..<(ranges * 2 + (type == 0x03 ? 3 : 0)) {
                        guard varint(b, &o, limit: b.count) != nil else { return out }
                    }
                case 0x06:  // CRYPTO: offset, length, data
                    guard let offset = varint(b, &o, limit: b.count), let length = varint(b, &o, limit: b.count),
                          b.count - o >= length else { return out }
                    out.append((offset, (0..<length).map { b.u8(o + $0) }))
                    o += length
                case 0x1c:  // CONNECTION_CLOSE: error, frame type, reason
                    guard varint(b, &o, limit: b.count) != nil, varint(b, &o, limit: b.count) != nil,
                          let reason = varint(b, &o, limit: b.count), b.count - o >= reason else { return out }
                    o += reason
                default:
                    return out
                }
            }
            return out
        }
    }

    /// A QUIC variable-length integer (RFC 9000 section 16) at `o`, advancing it.
    static func varint(_ b: FrameBytes, _ o: inout Int, limit: Int) -> Int? {
        guard o < limit else { return nil }
        let first = b.u8(o)
        let length = 1 << Int(first >> 6)
        guard limit - o >= length else { return nil }
        var v = UInt64(first & 0x3f)
        for k in 1..<length { v = v << 8 | UInt64(b.u8(o + k)) }
        o += length
        return v <= UInt64(Int.max) ? Int(v) : nil
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }
}

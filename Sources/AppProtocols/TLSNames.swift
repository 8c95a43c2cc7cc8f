/// Names ssl.log uses for TLS versions, alerts and key exchange groups (Zeek's forms; IANA
/// "TLS Parameters" registries). Unknown values are `unknown-N`.
public enum TLSNames {
    /// "TLSv12", "TLSv13", "SSLv3", "DTLSv12", ...
    public static func version(_ v: UInt16) -> String {
        switch v {
        case 0x0002: "SSLv2"
        case 0x0300: "SSLv3"
        case 0x0301: "TLSv10"
        case 0x0302: "TLSv11"
        case 0x0303: "TLSv12"
        case 0x0304: "TLSv13"
        case 0xFEFF: "DTLSv10"
        case 0xFEFD: "DTLSv12"
        case 0xFEFC: "DTLSv13"
        default: "unknown-\(v)"
        }
    }

    /// Alert descriptions (RFC 8446 section 6, RFC 5246 section 7.2).
    public static func alert(_ d: UInt8) -> String {
        switch d {
        case 0: "close_notify"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 21: "decryption_failed"
        case 22: "record_overflow"
        case 30: "decompression_failure"
        case 40: "handshake_failure"
        case 41: "no_certificate"
        case 42: "bad_certificate"
        case 43: "unsupported_certificate"
        case 44: "certificate_revoked"
        case 45: "certificate_expired"
        case 46: "certificate_unknown"
        case 47: "illegal_parameter"
        case 48: "unknown_ca"
        case 49: "access_denied"
        case 50: "decode_error"
        case 51: "decrypt_error"
        case 60: "export_restriction"
        case 70: "protocol_version"
        case 71: "insufficient_security"
        case 80: "internal_error"
        case 86: "inappropriate_fallback"
        case 90: "user_canceled"
        case 100: "no_renegotiation"
        case 109: "missing_extension"
        case 110: "unsupported_extension"
        case 111: "certificate_unobtainable"
        case 112: "unrecognized_name"
        case 113: "bad_certificate_status_response"
        case 114: "bad_certificate_hash_value"
        case 115: "unknown_psk_identity"
        case 116: "certificate_required"
        case 120: "no_application_protocol"
        case 121: "ech_required"
        default: "unknown-\(d)"
        }
    }

    /// Supported groups (RFC 8422, RFC 8446 section 4.2.7, and the hybrid ML-KEM groups).
    public static func group(_ g: UInt16) -> String {
        switch g {
        case 1...30:
            let names = ["sect163k1", "sect163r1", "sect163r2", "sect193r1", "sect193r2", "sect233k1", "sect233r1",
                         "sect239k1", "sect283k1", "sect283r1", "sect409k1", "sect409r1", "sect571k1", "sect571r1",
                         "secp160k1", "secp160r1", "secp160r2", "secp192k1", "secp192r1", "secp224k1", "secp224r1",
                         "secp256k1", "secp256r1", "secp384r1", "secp521r1", "brainpoolP256r1", "brainpoolP384r1",
                         "brainpoolP512r1", "x25519", "x448"]
            return names[Int(g) - 1]
        case 0x0100: return "ffdhe2048"
        case 0x0101: return "ffdhe3072"
        case 0x0102: return "ffdhe4096"
        case 0x0103: return "ffdhe6144"
        case 0x0104: return "ffdhe8192"
        case 0x0200: return "MLKEM512"
        case 0x0201: return "MLKEM768"
        case 0x0202: return "MLKEM1024"
        case 0x11EB: return "SecP256r1MLKEM768"
        case 0x11EC: return "X25519MLKEM768"
        case 0x11ED: return "SecP384r1MLKEM1024"
        case 0x6399: return "X25519Kyber768Draft00"
        default: return "unknown-\(g)"
        }
    }
}

import CPcap

/// libpcap's error buffer (PCAP_ERRBUF_SIZE bytes, NUL-terminated text).
struct ErrorBuffer {
    var bytes = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))

    /// The message libpcap wrote, up to the first NUL.
    var text: String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

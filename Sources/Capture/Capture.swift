// Capture: packet sources read through libpcap, from files (pcap, pcapng, stdin)
// or live interfaces. The only module that imports CPcap.
//
// Contract: a `Frame` borrows libpcap's buffer and is valid until the next
// read. Timestamps are read at nanosecond precision. Every failure surfaces as a
// `CaptureError` that names the file or interface and says what to do.

import AppProtocols
import SensorCore
import Wire

extension FlowTable {
    /// TCP and UDP ports that servers listen on, for Zeek's originator heuristic when a
    /// flow is first seen mid-stream (`likely_server_ports`).
    static let likelyServerTCP: Set<UInt16> = [21, 22, 23, 25, 53, 80, 88, 110, 111, 135, 139, 143, 179, 389, 443, 445, 465,
                                               502, 587, 636, 853, 989, 990, 993, 995, 1433, 1521, 1723, 2049, 3128,
                                               3306, 3389, 5060, 5222, 5223, 5432, 5900, 6379, 6667, 8000, 8080, 8443, 8888]
    static let likelyServerUDP: Set<UInt16> = [53, 67, 69, 88, 123, 137, 138, 161, 162, 443, 500, 514, 853, 1812, 1813,
                                               1900, 2152, 3478, 3544, 4500, 4789, 5060, 5072, 5353, 5355, 6081]

    /// Zeek's `WantConnection` heuristic: a flow first seen without a lone SYN (mid-stream, or
    /// starting at the SYN-ACK) belongs to the side whose port looks like a server's.
    func shouldFlip(_ p: DecodedPacket) -> Bool {
        switch p.ipProtocol.rawValue {
        case 6:
            let f = p.tcpFlags
            guard !f.contains(.syn) || f.contains(.ack) else { return false }
            let srcServer = FlowTable.likelyServerTCP.contains(p.sourcePort)
            guard srcServer else { return false }
            if FlowTable.likelyServerTCP.contains(p.destinationPort) {
                return !f.contains(.syn) && p.sourcePort < p.destinationPort
            }
            return true
        case 17:
            return FlowTable.likelyServerUDP.contains(p.sourcePort) && !FlowTable.likelyServerUDP.contains(p.destinationPort)
        default:
            return false
        }
    }

    /// A new lone SYN on a tuple whose connection was closed or reset starts a new flow.
    func isReuse(_ i: Int, _ p: DecodedPacket, sourceIsLow: Bool) -> Bool {
        guard p.ipProtocol == .tcp, p.tcpFlags.contains(.syn), !p.tcpFlags.contains(.ack) else { return false }
        let ended: (EndpointState) -> Bool = { $0 == .closed || $0 == .reset }
        // Zeek treats it as a new connection even when the SYN repeats the old sequence number.
        return ended(flows[i].orig.state) || ended(flows[i].resp.state)
    }

    /// Applies one packet to flow `i`.
    func apply(_ p: DecodedPacket, payload: FrameBytes, to i: Int, sourceIsLow: Bool) {
        let isOrig = sourceIsLow == flows[i].originatorIsLow
        // Packets after both sides closed do not extend the duration (Zeek's conn duration).
        if !(flows[i].orig.state == .closed && flows[i].resp.state == .closed) { flows[i].last = p.timestamp }
        if p.tunnel != .none { flows[i].tunnelled = true }
        let proto = p.ipProtocol.rawValue
        withEndpoints(i, isOrig: isOrig) { endpoint, peer, history in
            endpoint.packets &+= 1
            endpoint.ipBytes &+= UInt64(p.ipTotalLength)
            switch proto {
            case 6:
                FlowTable.updateTCP(p, endpoint: &endpoint, peer: &peer, history: &history, isOrig: isOrig)
            case 17:
                endpoint.payloadBytes &+= UInt64(p.payloadLength)
                endpoint.state = .active
                FlowTable.once(&endpoint, &history, bit: 1 << 4, letter: UInt8(ascii: "D"), isOrig: isOrig)
            default:
                endpoint.payloadBytes &+= UInt64(p.payloadLength)
                endpoint.state = .active
            }
        }
        if isOrig && payload.count > 0 && flows[i].origEntropy == 255 {
            flows[i].origEntropy = UInt8(min(240, (ByteEntropy.bits(payload) * 30).rounded()))
        }
        let early = (isOrig ? flows[i].origPayloadsExamined : flows[i].respPayloadsExamined) < FlowTable.identificationPackets
        // QUIC headers (quic.log) in the first datagrams, before the hellos they carry are read.
        if early, proto == 17, payload.count > 0,
           (flows[i].origServices | flows[i].respServices) & Service.quic.rawValue != 0 || ServiceDetector.looksLikeQUICLongHeader(payload) {
            quic.datagram(payload, flow: FlowTable.identity(flows[i]), fromClient: isOrig, at: p.timestamp) { context(i) }
        }
        identifyService(i, p, payload: payload, proto: proto, isOrig: isOrig)
        // TLS is followed from the client's packet that starts a handshake record (the record
        // may continue in later segments; after STARTTLS it comes a few packets in), while the
        // flow is in its first packets.
        if early, proto == 6, payload.count > 0,
           (isOrig && payload.u8(0) == 22) || (flows[i].origServices | flows[i].respServices) & Service.ssl.rawValue != 0 {
            dissectTLS(i, p, payload: payload, isOrig: isOrig)
        }
        // ICMP echo statistics (icmp.log).
        if p.hasICMP {
            let v6 = proto == 58
            let request = p.icmpType == (v6 ? 128 : 8), reply = p.icmpType == (v6 ? 129 : 0)
            if request || reply {
                icmp.echo(flow: FlowTable.identity(flows[i]), isRequest: request, identifier: p.icmpIdentifier,
                          sequence: p.icmpSequence, payload: payload, at: p.timestamp) { context(i) }
            } else if p.icmpType == (v6 ? 1 : 3), p.quoted.version != 0 {
                icmp.unreachable(ICMPUnreachable(time: p.timestamp, reporter: p.source, code: p.icmpCode, client: p.quoted.source,
                                                 server: p.quoted.destination, proto: p.quoted.upperProtocol.rawValue,
                                                 serverPort: p.quotedHasPorts ? p.quotedDestinationPort : 0))
            }
        }
        // HTTP/1.x is followed for the whole connection, once the client's request line was seen.
        if proto == 6, payload.count > 0, flows[i].origServices & Service.http.rawValue != 0 {
            dissectHTTP(i, p, payload: payload, isOrig: isOrig)
        }
        if payload.count > 0, (flows[i].origServices | flows[i].respServices) & Service.dns.rawValue != 0 {
            dissectDNS(i, p, payload: payload, proto: proto, isOrig: isOrig)
        }
    }

    /// Payload packets per direction examined for a protocol (STARTTLS upgrades come a few
    /// packets in); bounded so identification costs nothing on long flows.
    static let identificationPackets: UInt8 = 32

    /// Identifies the application protocol from payload bytes. Like Zeek's analyzers, TCP
    /// streams are only identified when their start (SYN or SYN-ACK) was seen.
    func identifyService(_ i: Int, _ p: DecodedPacket, payload: FrameBytes, proto: UInt8, isOrig: Bool) {
        guard payload.count > 0, proto == 6 || proto == 17 else { return }
        let seen = isOrig ? flows[i].origPayloadsExamined : flows[i].respPayloadsExamined
        guard seen < FlowTable.identificationPackets else { return }
        if isOrig { flows[i].origPayloadsExamined += 1 } else { flows[i].respPayloadsExamined += 1 }
        var streamStart = true
        if proto == 6 {
            guard flows[i].orig.historyFlags & 1 != 0 || flows[i].resp.historyFlags & 1 != 0 else { return }
            // Relative sequence 1: the segment starts this direction's stream.
            let start = isOrig ? flows[i].orig.startSeq : flows[i].resp.startSeq
            streamStart = p.tcpSequence &+ (p.tcpFlags.contains(.syn) ? 1 : 0) &- start == 1
        }
        // UDP protocols are judged on the first datagram each way, except QUIC, whose ClientHello
        // may start in a later Initial (0-RTT first, or CRYPTO frames out of order); TCP keeps
        // looking for TLS after STARTTLS.
        let mine = Service(rawValue: isOrig ? flows[i].origServices : flows[i].respServices)
        if proto == 17 && seen > 0 && !(mine.contains(.quic) && !mine.contains(.ssl)) { return }
        var (found, initial) = ServiceDetector.identifyWithInitial(payload, transport: proto, streamStart: streamStart)
        if isOrig && initial == nil && found.contains(.quic) && !tls.isEmpty,
           let original = tls.quicConnectionID(flow: FlowTable.identity(flows[i])) {
            initial = QUICInitial.decryptClientInitial(payload, originalConnectionID: original)
        }
        if isOrig, let initial {
            // A QUIC client Initial starts the flow's TLS session (ssl.log); its ClientHello
            // may take several Initials. Once whole, the flow speaks TLS too (Zeek: "quic,ssl").
            let identity = FlowTable.identity(flows[i])
            tls.begin(flow: identity, at: p.timestamp, clientIsOriginator: true, context: context(i))
            if let hello = tls.quicClientInitial(initial, flow: identity) {
                setServerName(i, hello)
                found.insert(.ssl)
                quic.helloCompleted(flow: identity, fromClient: true, client: hello)
            }
        } else if !isOrig && proto == 17 && found.contains(.quic) && !tls.isEmpty {
            let identity = FlowTable.identity(flows[i])
            if tls.quicServerDatagram(payload, flow: identity) { quic.helloCompleted(flow: identity, fromClient: false, client: nil) }
        }
        if found.contains(.ssh) {
            ssh.banner(payload, flow: FlowTable.identity(flows[i]), fromClient: isOrig, at: p.timestamp) { context(i) }
        }
        if isOrig { flows[i].origServices |= found.rawValue } else { flows[i].respServices |= found.rawValue }
    }

    /// The ClientHello's server name becomes the flow's (the first one seen).
    func setServerName(_ i: Int, _ hello: TLSClientHello) {
        if let name = hello.serverName, flows[i].serverNameID == 0, name.count <= 255 {
            flows[i].serverNameID = names.intern(String(decoding: name, as: UTF8.self))
        }
    }

    /// Follows the TLS handshake of a TCP flow in its first payload packets (ssl.log): starts
    /// at the client's first handshake record that begins a ClientHello, then scans both
    /// directions in order until both sides encrypt.
    func dissectTLS(_ i: Int, _ p: DecodedPacket, payload: FrameBytes, isOrig: Bool) {
        let identity = FlowTable.identity(flows[i])
        if !tls.isFollowing(identity) {
            // The client's segment must start a handshake record holding a ClientHello, and the
            // connection's start must have been seen (as for Zeek's analyzers).
            guard isOrig, flows[i].orig.historyFlags & 1 != 0,
                  payload.u8(0) == 22, payload.count < 2 || payload.u8(1) == 3,
                  payload.count < 6 || payload.u8(5) == 1 else { return }
            tls.begin(flow: identity, at: p.timestamp, clientIsOriginator: isOrig, context: context(i))
            // The client speaks TLS (as identification says of a longer first segment); this also
            // keeps the flow's later segments coming here.
            flows[i].origServices |= Service.ssl.rawValue
        } else if tls.isDone(identity) {
            return
        }
        let sequence = p.tcpSequence &+ (p.tcpFlags.contains(.syn) ? 1 : 0)
        if let hello = tls.segment(flow: identity, fromOriginator: isOrig, sequence: sequence, payload: payload, streams: streams) {
            setServerName(i, hello)
        }
    }

    /// Follows an HTTP/1.x connection from the client's first request (http.log).
    func dissectHTTP(_ i: Int, _ p: DecodedPacket, payload: FrameBytes, isOrig: Bool) {
        let identity = FlowTable.identity(flows[i])
        if !http.isFollowing(identity) {
            guard isOrig, flows[i].orig.historyFlags & 1 != 0, ServiceDetector.isHTTP(payload),
                  !ServiceDetector.matches(payload, "HTTP/") else { return }
            http.begin(flow: identity, at: p.timestamp, context: context(i))
        }
        let sequence = p.tcpSequence &+ (p.tcpFlags.contains(.syn) ? 1 : 0)
        http.segment(flow: identity, fromClient: isOrig, sequence: sequence, payload: payload, at: p.timestamp, streams: streams)
    }

    /// Parses the DNS messages of a DNS flow's packet: every message goes to the transaction
    /// tracker (dns.log), NOERROR responses also to the name cache. TCP carries 2-byte
    /// length-prefixed messages (RFC 1035 section 4.2.2), several per segment or one split
    /// across segments; those are reassembled in order, bounded.
    func dissectDNS(_ i: Int, _ p: DecodedPacket, payload: FrameBytes, proto: UInt8, isOrig: Bool) {
        let identity = FlowTable.identity(flows[i])
        if proto == 17 {
            guard let m = DNSMessage.parse(payload) else { return }
            // A flow that starts with a response was picked up backwards (Zeek's DNS analyzer flips it;
            // a multicast destination cannot have originated it).
            if m.isResponse && isOrig && flows[i].orig.packets == 1 && flows[i].resp.packets == 0 && !p.destination.isMulticast { flip(i) }
            handleDNS(m, i, identity: identity, at: p.timestamp, client: p.destination)
        } else if proto == 6 {
            let sequence = p.tcpSequence &+ (p.tcpFlags.contains(.syn) ? 1 : 0)
            streams.deliver(StreamReassembler.Key(flow: identity, fromOriginator: isOrig, dissector: .dns), sequence: sequence, payload: payload) { bytes in
                var o = 0
                while bytes.count - o >= 2 {
                    let length = Int(bytes.be16(o))
                    guard bytes.count - (o + 2) >= length else { break }
                    if let m = DNSMessage.parse(bytes.slice(o + 2 ..< o + 2 + length)) {
                        handleDNS(m, i, identity: identity, at: p.timestamp, client: p.destination)
                    }
                    o += 2 + length
                }
                return o
            }
        }
    }

    /// Swaps a flow's originator and responder (history letters too, then `^`).
    func flip(_ i: Int) {
        var f = flows[i]
        f.originatorIsLow.toggle()
        (f.orig, f.resp) = (f.resp, f.orig)
        (f.origServices, f.respServices) = (f.respServices, f.origServices)
        (f.origPayloadsExamined, f.respPayloadsExamined) = (f.respPayloadsExamined, f.origPayloadsExamined)
        f.history.flipRoles()
        flows[i] = f
        flows[i].nameID = names.nameID(client: flows[i].originator, address: flows[i].responder, at: flows[i].start)
    }

    func handleDNS(_ m: DNSMessage, _ i: Int, identity: UInt64, at now: Timestamp, client: IPAddress) {
        dns.handle(m, flow: identity, multicast: flows[i].responder.isMulticast, at: now) { context(i) }
        if m.isResponse { names.record(m, client: client, now: now) }
    }

    /// Gives `body` the sending and receiving endpoints and the history, in place.
    @inline(__always)
    func withEndpoints(_ i: Int, isOrig: Bool,
                       _ body: (inout FlowEndpoint, inout FlowEndpoint, inout History) -> Void) {
        let f = flows.pointer(i)
        if isOrig {
            body(&f.pointee.orig, &f.pointee.resp, &f.pointee.history)
        } else {
            body(&f.pointee.resp, &f.pointee.orig, &f.pointee.history)
        }
    }

    /// The carrying UDP flow of a UDP tunnel (Zeek logs it with the tunnel as its service).
    /// Returns the carrier's identity (the inner flow's tunnel parent).
    func updateTunnelCarrier(_ p: DecodedPacket) -> UInt64 {
        let (key, sourceIsLow) = FlowKey.make(source: p.outer.source, sourcePort: p.tunnelSourcePort,
                                              destination: p.outer.destination, destinationPort: p.tunnelDestinationPort,
                                              proto: 17, vlan: p.outerVLAN)
        var carrier = DecodedPacket()
        carrier.timestamp = p.timestamp
        carrier.inner = p.outer
        carrier.inner.upperProtocol = .udp
        carrier.hasPorts = true
        carrier.sourcePort = p.tunnelSourcePort
        carrier.destinationPort = p.tunnelDestinationPort
        carrier.ipTotalLength = p.outerIPTotalLength
        carrier.payloadLength = p.tunnelPayloadLength
        let h = hash(key)
        var found = find(key, hash: h)
        if let f = found, isExpired(f, at: p.timestamp) {
            expired &+= 1
            finish(f, interim: false)
            found = nil
        }
        let i = found ?? insert(key, hash: h, carrier, sourceIsLow: sourceIsLow)
        apply(carrier, payload: FrameBytes(base: nil, count: 0), to: i, sourceIsLow: sourceIsLow)
        let service: Service
        switch p.tunnel {
        case .vxlan: service = .vxlan
        case .geneve: service = .geneve
        case .gtp: service = .gtpv1
        case .teredo: service = .teredo
        case .ayiya: service = .ayiya
        default: service = .gre
        }
        // Teredo counts only once both directions carried it (Zeek's delay_teredo_confirmation).
        if service == .teredo {
            if sourceIsLow == flows[i].originatorIsLow { flows[i].origServices |= service.rawValue } else { flows[i].respServices |= service.rawValue }
        } else {
            flows[i].tunnelServices |= service.rawValue
        }
        return FlowTable.identity(flows[i])
    }

    // MARK: TCP (Zeek's TCP analyzer, scripts and src/packet_analysis/protocol/tcp)

    /// Records `letter` the first time `bit` is seen from this side.
    static func once(_ e: inout FlowEndpoint, _ h: inout History, bit: UInt16, letter: UInt8, isOrig: Bool) {
        guard e.historyFlags & bit == 0 else { return }
        e.historyFlags |= bit
        h.append(isOrig ? letter : letter | 0x20)
    }

    /// Records `letter` at the 1st, 10th, 100th, ... occurrence (Zeek's logarithmic letters).
    static func scaled(_ count: inout UInt16, _ level: inout UInt8, _ h: inout History, letter: UInt8, isOrig: Bool) {
        if count < .max { count += 1 }
        var threshold: UInt16 = 1
        for _ in 0..<min(Int(level), 4) { threshold *= 10 }
        guard count >= threshold, level < 5 else { return }
        h.append(isOrig ? letter : letter | 0x20)
        level += 1
    }

    static func updateTCP(_ p: DecodedPacket, endpoint e: inout FlowEndpoint, peer: inout FlowEndpoint,
                          history h: inout History, isOrig: Bool) {
        let f = p.tcpFlags
        let syn = f.contains(.syn), fin = f.contains(.fin), rst = f.contains(.rst), ack = f.contains(.ack)
        let length = p.payloadLength
        // Sequence space relative to this side's start (a SYN's number, or one before a mid-stream byte).
        if !e.seqInitialized {
            e.seqInitialized = true
            e.startSeq = syn ? p.tcpSequence : p.tcpSequence &- 1
        } else if syn && e.state == .inactive {
            e.startSeq = p.tcpSequence
        }
        let relSeq = p.tcpSequence &- e.startSeq
        let end = e.unwrap(relSeq) &+ UInt64(length) &+ (syn ? 1 : 0) &+ (fin ? 1 : 0)
        let retransmit = length > 0 && end <= e.lastSeq && !syn
        // A jump of 2^30 bytes or more in one packet is no window (RST with a stray sequence
        // number, garbage): it does not move the mark.
        if end > e.lastSeq && end - e.lastSeq < (1 << 30) { e.lastSeq = end }
        if ack && peer.seqInitialized {
            let relAck = p.tcpAcknowledgment &- peer.startSeq
            let newAck = peer.unwrap(relAck), oldAck = peer.unwrap(peer.ackSeq)
            if newAck > oldAck && newAck - oldAck < (1 << 30) { peer.ackSeq = relAck }
        }

        // History (Zeek's update_history).
        let bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0)
        if bits > 1 {
            if fin && rst {
                once(&e, &h, bit: 1 << 5, letter: UInt8(ascii: "I"), isOrig: isOrig)
            } else {
                once(&e, &h, bit: 1 << 6, letter: UInt8(ascii: "Q"), isOrig: isOrig)
            }
        } else if bits == 1 {
            if syn {
                let letter = UInt8(ascii: ack ? "H" : "S")
                let bit: UInt16 = 1 << 0
                if e.historyFlags & bit == 0 || relSeq != e.lastSYN { e.historyFlags |= bit; h.append(isOrig ? letter : letter | 0x20) }
                e.lastSYN = relSeq
            }
            if fin {
                let bit: UInt16 = 1 << 1
                let finSeq = relSeq &+ UInt32(truncatingIfNeeded: length)
                if e.historyFlags & bit == 0 || finSeq != e.lastFIN { e.historyFlags |= bit; h.append(isOrig ? UInt8(ascii: "F") : UInt8(ascii: "f")) }
                e.lastFIN = finSeq
            }
            if rst {
                let bit: UInt16 = 1 << 2
                if e.historyFlags & bit == 0 || relSeq != e.lastRST { e.historyFlags |= bit; h.append(isOrig ? UInt8(ascii: "R") : UInt8(ascii: "r")) }
                e.lastRST = relSeq
            }
        } else if length > 0 {
            once(&e, &h, bit: 1 << 4, letter: UInt8(ascii: "D"), isOrig: isOrig)
        } else if ack {
            once(&e, &h, bit: 1 << 3, letter: UInt8(ascii: "A"), isOrig: isOrig)
        }
        if retransmit {
            scaled(&e.retransmitCount, &e.retransmitLevel, &h, letter: UInt8(ascii: "T"), isOrig: isOrig)
        }
        if p.tcpWindow == 0 && !syn && !fin && !rst {
            scaled(&e.zeroWindowCount, &e.zeroWindowLevel, &h, letter: UInt8(ascii: "W"), isOrig: isOrig)
        }
        if fin { e.finCount &+= 1 }

        // State machine (Zeek's UpdateStateMachine, per endpoint state).
        let before = e.state
        switch e.state {
        case .inactive:
            if syn {
                if isOrig {
                    e.state = ack ? .synAckSent : .synSent
                } else {
                    if peer.state == .synSent || peer.state == .synAckSent { peer.state = .established }
                    e.state = .established
                }
            }
            if rst {
                e.state = .reset
            } else if fin {
                e.state = .closed
            } else if !syn {
                e.state = .partial
            }
        case .synSent, .synAckSent:
            if rst {
                e.state = .reset
            } else if fin {
                e.state = .closed
            } else if ack && !syn && (peer.state == .established || peer.state == .synAckSent) {
                e.state = .established
            }
        case .established, .partial:
            if rst { e.state = .reset } else if fin { e.state = .closed }
        case .closed:
            // After a FIN exchange a RST changes nothing (Zeek's UpdateClosedState).
            if rst && peer.state != .closed { e.state = .reset }
        case .reset, .active:
            break
        }
        if e.state != before { e.previousState = before }
    }
}

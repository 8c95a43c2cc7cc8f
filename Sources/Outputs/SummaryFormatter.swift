import SensorCore
import Wire

/// Renders a `DecodeSummary` for people (aligned text) or tools (one JSON object).
public struct SummaryFormatter {
    public init() {}

    public func text(_ s: DecodeSummary) -> String {
        var lines: [String] = []
        let st = s.statistics
        let rate = s.elapsedSeconds > 0 ? Double(st.packets) / s.elapsedSeconds : 0
        lines.append("packets: \(st.packets)   captured bytes: \(st.capturedBytes)   wire bytes: \(st.wireBytes)"
            + (st.snapped > 0 ? "   snapped: \(st.snapped)" : ""))
        lines.append("elapsed: \(format(s.elapsedSeconds)) s   rate: \(Int(rate)) packets/s"
            + (s.stoppedEarly ? "   (stopped early)" : ""))
        for input in s.inputs {
            var line = "input \(input.name): \(input.packets) packets"
            if let t = input.truncated { line += "   TRUNCATED: \(t) (packets before the cut were kept)" }
            if let f = input.failed { line += "   READ FAILED: \(f)" }
            lines.append(line)
        }
        lines.append("link types: " + st.linkTypes.map { "\($0.0.name)(\($0.0.rawValue))=\($0.1)" }.joined(separator: " "))
        for t in s.unsupportedLinkTypes {
            lines.append("unsupported link type \(t.name) (\(t.rawValue)): frames counted, not decoded")
        }
        lines.append("network: ipv4=\(st.ipv4) ipv6=\(st.ipv6) non-ip=\(st.nonIP)   tunnelled=\(st.tunnelled)")
        let protocols = (0..<256).filter { st.protocols[$0] > 0 }
            .map { "\(IPProtocol(rawValue: UInt8($0)).name ?? "proto-\($0)")=\(st.protocols[$0])" }
        lines.append("protocols: " + (protocols.isEmpty ? "-" : protocols.joined(separator: " ")))
        lines.append("fragments: \(st.fragments) held   datagrams reassembled: \(s.fragmentsReassembled)"
            + "   incomplete dropped: \(s.fragmentDatagramsDropped)")
        let weirds = s.weirds.nonZero
        lines.append("weirds: \(s.weirds.total)" + (weirds.isEmpty ? "" : "   "
            + weirds.map { "\($0.0.name)=\($0.1)" }.joined(separator: " ")))
        if let c = s.capture {
            lines.append("capture: received=\(c.received) dropped-by-kernel=\(c.droppedByKernel)"
                + " dropped-by-interface=\(c.droppedByInterface)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json(_ s: DecodeSummary) -> String {
        let out = OutputBuffer(descriptor: nil)
        let st = s.statistics
        out.append("{\"packets\":" as StaticString); out.appendDecimal(st.packets)
        out.append(",\"captured_bytes\":" as StaticString); out.appendDecimal(st.capturedBytes)
        out.append(",\"wire_bytes\":" as StaticString); out.appendDecimal(st.wireBytes)
        out.append(",\"snapped\":" as StaticString); out.appendDecimal(st.snapped)
        out.append(",\"elapsed_seconds\":" as StaticString); out.append(format(s.elapsedSeconds))
        out.append(",\"stopped_early\":" as StaticString); out.append(s.stoppedEarly ? "true" : "false")
        out.append(",\"inputs\":[" as StaticString)
        for (i, input) in s.inputs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"name\":" as StaticString); JSONText.appendString(input.name, to: out)
            out.append(",\"packets\":" as StaticString); out.appendDecimal(input.packets)
            if let t = input.truncated { out.append(",\"truncated\":" as StaticString); JSONText.appendString(t, to: out) }
            if let f = input.failed { out.append(",\"failed\":" as StaticString); JSONText.appendString(f, to: out) }
            out.append(UInt8(ascii: "}"))
        }
        out.append("],\"link_types\":{" as StaticString)
        for (i, (t, n)) in st.linkTypes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(t.name, to: out); out.append(UInt8(ascii: ":")); out.appendDecimal(n)
        }
        out.append("},\"unsupported_link_types\":[" as StaticString)
        out.append(s.unsupportedLinkTypes.map { String($0.rawValue) }.joined(separator: ","))
        out.append("],\"ipv4\":" as StaticString); out.appendDecimal(st.ipv4)
        out.append(",\"ipv6\":" as StaticString); out.appendDecimal(st.ipv6)
        out.append(",\"non_ip\":" as StaticString); out.appendDecimal(st.nonIP)
        out.append(",\"tunnelled\":" as StaticString); out.appendDecimal(st.tunnelled)
        out.append(",\"protocols\":{" as StaticString)
        var first = true
        for n in 0..<256 where st.protocols[n] > 0 {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\"")); out.appendDecimal(n); out.append("\":" as StaticString)
            out.appendDecimal(st.protocols[n])
        }
        out.append("},\"fragments\":" as StaticString); out.appendDecimal(st.fragments)
        out.append(",\"reassembled\":" as StaticString); out.appendDecimal(s.fragmentsReassembled)
        out.append(",\"fragment_datagrams_dropped\":" as StaticString); out.appendDecimal(s.fragmentDatagramsDropped)
        out.append(",\"weirds\":{" as StaticString)
        for (i, (w, n)) in s.weirds.nonZero.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(w.name, to: out); out.append(UInt8(ascii: ":")); out.appendDecimal(n)
        }
        out.append(UInt8(ascii: "}"))
        if let c = s.capture {
            out.append(",\"capture\":{\"received\":" as StaticString); out.appendDecimal(c.received)
            out.append(",\"dropped_by_kernel\":" as StaticString); out.appendDecimal(c.droppedByKernel)
            out.append(",\"dropped_by_interface\":" as StaticString); out.appendDecimal(c.droppedByInterface)
            out.append(UInt8(ascii: "}"))
        }
        out.append("}\n" as StaticString)
        return String(decoding: out.take(), as: UTF8.self)
    }

    private func format(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        let frac = millis % 1000
        return "\(millis / 1000)." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + "\(frac)"
    }
}

import Attribution
import Foundation
import SensorCore
import Testing
import TestSupport

/// report.html: hostile names from the wire and feeds stay text, and the page renders in a
/// real browser (headless Chromium) with its timeline; the screenshot is kept in
/// .build/test-artifacts/report.png.
@Suite struct ReportTests {
    static let hostileLabel = "com.evil.<script>alert(1)</script>\"'"
    static let hostileName = "x<img src=x onerror=alert(2)>" + String(repeating: "a", count: 60) + ".example.com"

    /// A Mac whose agent (with a hostile label) checks in hourly with a hostile server name,
    /// goes quiet, then speaks a raw protocol: one alert.
    static func write(_ dir: String) throws {
        let w = ScenarioWriter(seed: 5, origin: DemoScenario.origin)
        let host = DemoScenario.host
        w.add(.host(HostRecord(hostID: host.host, addresses: [IPAddress(ipv4: host.address)], validFrom: Timestamp(nanoseconds: DemoScenario.origin), source: "native")))
        let p = ProcessIdentity(pid: 66, ppid: 1, executable: "/tmp/\u{1b}[31mred", teamID: nil, label: hostileLabel)
        for h in 0..<44 {
            w.tlsCheckIn(host, resolver: DemoScenario.resolver, name: hostileName, address: 0x5DB8_D822, at: w.nanoseconds(hours: Double(h) + 0.1), process: p)
        }
        for k in 0..<12 {
            w.tcpConnection(host, to: 0xC633_6407, port: 4444, at: w.nanoseconds(hours: 47 + Double(k) / 2), request: w.bytes(64), response: w.bytes(32), process: p)
        }
        try w.write(to: dir)
    }

    @Test func hostileNamesStayTextAndThePageRendersInABrowser() throws {
        let dir = DemoScenarioTests.temporary("report")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(dir)
        let r = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/capture.pcap", "--feed", dir + "/sockets.ndjson", "--out", dir + "/out"])
        #expect(r.status == 0, "\(r.err)")
        #expect(!r.out.contains("\u{1b}"), "the terminal table must not carry escape sequences")
        let html = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
        #expect(html.contains("com.evil.&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"), "the label is escaped")
        #expect(html.lowercased().components(separatedBy: "<script").count == 1, "no script element")
        #expect(!html.contains("<img") && !html.contains("\u{1b}"))
        #expect(html.contains("<svg class=\"timeline\"") && html.contains("class=\"fallback\"") && html.contains("class=\"quiet\""), "\(r.out)\n\(r.err)")
        #expect(html.contains("Content-Security-Policy") && !html.contains("http://") && !html.contains("https://"), "self-contained")

        guard let browser = Tool.find("chromium") ?? Tool.find("chromium-browser") ?? Tool.find("google-chrome") else {
            #expect(ProcessInfo.processInfo.environment["QW_REQUIRE_BROWSER"] == nil, "scripts/test installs chromium; it is missing")
            return
        }
        let artifacts = CommandLineTests.binary.replacingOccurrences(of: "/quietwire", with: "") + "/../test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let shot = artifacts + "/report.png"
        try? FileManager.default.removeItem(atPath: shot)
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,1600", "--enable-logging=stderr", "--v=0"]
        let url = "file://" + dir + "/out/report.html"
        let render = try Tool.execute(browser, flags + ["--screenshot=" + shot, url])
        #expect(render.status == 0 && FileManager.default.fileExists(atPath: shot), "\(render.err.suffix(2000))")
        #expect((try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int).map { $0 > 10_000 } == true, "screenshot is not blank")
        // The page the browser built: the timeline is there, nothing injected ran or got in,
        // and the console saw no script errors.
        let dom = try Tool.execute(browser, flags + ["--dump-dom", url])
        #expect(dom.out.contains("<svg class=\"timeline\"") && dom.out.contains("class=\"fallback\""))
        #expect(!dom.out.lowercased().contains("<script") && !dom.out.contains("<img"))
        #expect(!dom.err.contains("Uncaught") && !dom.err.contains("CONSOLE"), "\(dom.err.suffix(2000))")
    }
}

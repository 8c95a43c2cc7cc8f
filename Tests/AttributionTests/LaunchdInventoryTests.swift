import Foundation
import Testing
@testable import Attribution

/// Launchd plists from real projects (feeds-real: Munki, Santa, osquery, Karabiner, Atomic Red Team).
@Suite struct LaunchdInventoryTests {
    @Test func readsXMLAndBinaryPlistsPerHostFolder() throws {
        let load = try LaunchdInventory.read(directory: FeedAdapterTests.fixtures + "/inventory")
        let byLabel = Dictionary(load.agents.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        // Binary plist (re-encoded from Munki's XML): arguments and StartInterval survive.
        let munki = try #require(byLabel["com.googlecode.munki.managedsoftwareupdate-check"])
        #expect(munki.hostID == "mac-01" && munki.domain == .system && munki.startInterval == 3600)
        #expect(munki.programArguments == ["/usr/local/munki/managedsoftwareupdate", "--auto", "--quiet"])
        #expect(munki.plistPath == "/Library/LaunchDaemons/munki__LaunchDaemons__com.googlecode.munki.managedsoftwareupdate-check__converted-binary.plist")
        // Program without ProgramArguments; KeepAlive and RunAtLoad booleans.
        let osquery = try #require(byLabel["com.facebook.osqueryd"])
        #expect(osquery.executable == "/usr/local/bin/osqueryd" && osquery.keepAlive == true && osquery.runAtLoad == true)
        // KeepAlive as a dictionary of conditions counts as kept alive.
        let observer = try #require(byLabel["org.pqrs.karabiner.agent.karabiner_observer"])
        #expect(observer.hostID == "mac-02" && observer.domain == .user && observer.keepAlive == true)
        let cookie = try #require(byLabel["cookie-miner-backdoor-launchagent.plist"])
        #expect(cookie.executable == "python" && cookie.domain == .user)
        // A comment before the XML declaration: launchd reads it, so do we.
        let daemon = try #require(byLabel["com.atomicredteam.T1037.005.daemon"])
        #expect(daemon.executable == "touch")
        #expect(byLabel["com.google.santad"] != nil && byLabel["com.googlecode.munki.ManagedSoftwareCenter"] != nil)
        #expect(load.agents.count == 7)
        // The emond rules plist (an array at the top) is no launchd job: reported, not taken.
        #expect(load.problems.count == 1)
        #expect(load.problems.first?.feed.hasSuffix("atomicredteam_T1053_004.plist") == true)
        #expect(load.problems.first?.reason.contains("not a dictionary") == true)
    }

    @Test func hostilePlistBytesAreReportedNotTrapped() {
        let cases: [(Data, String)] = [
            (Data("garbage".utf8), "not a property list"),
            (Data("{ Label = x; Program = /bin/sh; }".utf8), "not a property list"),  // OpenStep text is no launchd job
            (Data("<!-- unterminated comment".utf8), "not a property list"),
            (Data("bplist00\u{0}\u{1}".utf8), "not a property list"),
            (Data(#"<?xml version="1.0"?><plist version="1.0"><dict><key>Label</key><string>x</string></dict></plist>"#.utf8), "neither Program"),
            (Data(#"<?xml version="1.0"?><plist version="1.0"><dict><key>Program</key><string>/x</string></dict></plist>"#.utf8), "no Label"),
            (Data(count: 2 << 20), "larger than"),
        ]
        for (data, reason) in cases {
            #expect(throws: FeedLineError.self) { try LaunchdInventory.agent(plist: data, hostID: "h", path: "/p.plist") }
            do { _ = try LaunchdInventory.agent(plist: data, hostID: "h", path: "/p.plist") } catch { #expect(error.reason.contains(reason), "\(error.reason)") }
        }
    }

    @Test func aMissingDirectorySaysWhatItExpects() {
        #expect(throws: FeedReader.Failure.self) { try LaunchdInventory.read(directory: "/nonexistent/inventory") }
    }
}

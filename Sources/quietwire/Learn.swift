import ArgumentParser
import Detection
import Foundation
import Outputs
import Store

struct Learn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build or extend the detection baseline (SQLite) from captures and endpoint feeds.",
        discussion: """
            Reads the captures like `quietwire analyze` (attributing every flow with --feed and \
            --inventory) and adds what each background agent did to the baseline in --baseline: \
            its channels with sessions, active days and the awake-time gaps between successful \
            sessions, plus the destinations the organisation reached and the hosts that use plain \
            DNS. The file is created when missing; later runs extend it. `quietwire analyze \
            --baseline FILE` then judges new captures against it.

            Example:
              quietwire learn week1.pcap --feed week1.ndjson --inventory plists/ --baseline qw.db
            """)

    @OptionGroup var common: DetectionOptions

    @Option(help: ArgumentHelp("The SQLite baseline to create or extend.", valueName: "file"))
    var baseline: String

    func run() throws {
        let configuration = try common.configuration()
        let store: BaselineStore
        var learned: Baseline
        do {
            store = try BaselineStore(path: baseline)
            learned = try store.load()
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("quietwire-learn-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: logs) }
        var detection = configuration.detection
        detection.proxies.formUnion(common.proxyAddresses)
        let (detector, result, _) = try common.run(configuration, detection: detection, logDirectory: logs)
        let before = learned.agents.count
        detector.learn(into: &learned)
        do {
            try store.save(learned)
        } catch {
            StandardError.write("quietwire: \(error)")
            throw ExitCode(1)
        }
        let primaries = learned.agents.keys.filter { learned.primary(of: $0, minimumSessions: configuration.detection.minimumPrimarySessions) != nil }.count
        StandardError.write("learn: \(baseline) now holds \(learned.agents.count) background agents (\(learned.agents.count - before) new), \(primaries) with a primary channel, \(learned.destinations.count) destinations")
        if result.decode.hadInputProblems { throw ExitCode(3) }
    }
}

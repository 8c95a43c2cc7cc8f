import ArgumentParser
import Attribution
import Outputs

/// Endpoint feeds and inventories that attribute flows to processes and launch agents.
struct AttributionOptions: ParsableArguments {
    @Option(name: .customLong("feed"), help: ArgumentHelp(
        "Endpoint feed to attribute flows with (repeatable; - for standard input): QuietWire NDJSON (docs/feed-schema.md), osquery results logs, ECS/Elastic Defend events, or lsof -F snapshots from scripts/lsof-feed.",
        valueName: "file"))
    var feeds: [String] = []

    @Option(help: ArgumentHelp("Read every --feed as this format instead of detecting it: native, osquery, ecs or lsof.", valueName: "format"))
    var feedFormat: String?

    @Option(name: .customLong("inventory"), help: ArgumentHelp(
        "Directory with one folder per host id holding that host's launchd plists (XML or binary) anywhere below it (repeatable).",
        valueName: "dir"))
    var inventories: [String] = []

    @Option(help: ArgumentHelp("Endpoint clock difference, in seconds, still matched at full confidence (default 2).", valueName: "seconds"))
    var clockSkewTolerance: Double?

    @Option(help: ArgumentHelp("Largest endpoint clock skew, in seconds, searched for when matching sockets to flows; each host's skew is estimated from its exact matches (default 300).", valueName: "seconds"))
    var maxClockSkew: Double?

    func validate() throws {
        if let feedFormat, FeedFormat(rawValue: feedFormat) == nil {
            throw ValidationError("--feed-format must be one of: \(FeedFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let tolerance = clockSkewTolerance ?? Correlator.Settings().tolerance
        guard tolerance >= 0, tolerance <= 86_400 else { throw ValidationError("--clock-skew-tolerance must be 0...86400 seconds") }
        let maximum = maxClockSkew ?? Correlator.Settings().maximumSkew
        guard maximum >= tolerance, maximum <= 7 * 86_400 else {
            throw ValidationError("--max-clock-skew must be at least --clock-skew-tolerance and at most 604800 seconds")
        }
    }

    /// Problems printed per feed before the rest are only counted.
    static let problemsShown = 10

    /// Loads every feed and inventory into a correlator; nil when none was given. Feed problems
    /// are printed to standard error (the first few per feed, then a count).
    /// `base` holds the configuration file's attribution settings; the skew options given on
    /// the command line override them.
    func makeAttributor(base: Correlator.Settings = Correlator.Settings()) throws -> (FlowAttributor, problems: Int)? {
        guard !feeds.isEmpty || !inventories.isEmpty else { return nil }
        var settings = base
        if let clockSkewTolerance { settings.tolerance = clockSkewTolerance }
        if let maxClockSkew { settings.maximumSkew = maxClockSkew }
        let correlator = Correlator(settings: settings)
        var problems = 0
        for path in inventories {
            do {
                let load = try LaunchdInventory.read(directory: path)
                correlator.ingest(load.agents.map { .agent($0) })
                for p in load.problems.prefix(Self.problemsShown) { StandardError.write("quietwire: skipped \(p.feed): \(p.reason)") }
                problems += load.problems.count
                StandardError.write("inventory \(path): \(load.agents.count) launchd jobs, \(load.problems.count) plists skipped")
            } catch {
                StandardError.write("quietwire: \(error)")
                throw ExitCode(1)
            }
        }
        for path in feeds {
            do {
                let load = try FeedReader.read(path: path, format: feedFormat.flatMap(FeedFormat.init(rawValue:))) { correlator.ingest($0) }
                for p in load.problems.prefix(Self.problemsShown) { StandardError.write("quietwire: skipped \(p)") }
                if load.problemCount > Self.problemsShown {
                    StandardError.write("quietwire: \(load.problemCount - Self.problemsShown) more skipped lines in \(path)")
                }
                problems += load.problemCount
                let formats = load.formats.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
                StandardError.write("feed \(path): \(load.lines) lines, \(load.recordCount) records (\(formats.isEmpty ? "nothing recognised" : formats)), \(load.ignored) rows not used, \(load.problemCount) skipped")
            } catch {
                StandardError.write("quietwire: \(error)")
                throw ExitCode(1)
            }
        }
        return (FlowAttributor(correlator: correlator), problems)
    }
}

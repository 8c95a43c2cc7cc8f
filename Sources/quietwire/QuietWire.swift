import ArgumentParser

/// The `quietwire` command: thin over the libraries; each subcommand parses flags,
/// calls one library entry point, and turns errors into messages and exit codes.
@main
struct QuietWire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quietwire",
        abstract: "Network sensor with process correlation: decodes egress traffic and flags background agents that fall back to unusual channels.",
        discussion: """
            Exit status: 0 success; 1 an input could not be opened or an option is wrong; \
            3 the run finished but an input was truncated or failed to read (see the summary).
            """,
        version: "0.1.0",
        subcommands: [Decode.self, Logs.self, Analyze.self, Learn.self, CoverageCommand.self, Run.self, Collect.self, Token.self, Interfaces.self]
    )
}

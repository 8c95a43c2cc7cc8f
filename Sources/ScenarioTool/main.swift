import Foundation
import TestSupport

// Writes the bundled demo scenario (capture, endpoint feed, launchd inventory, expected
// verdicts) deterministically: `swift run ScenarioTool pcaps/demo`.
let directory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "pcaps/demo"
do {
    try DemoScenario.write(to: directory)
    print("scenario: wrote \(directory)")
} catch {
    FileHandle.standardError.write(Data("scenario: \(error)\n".utf8))
    exit(1)
}

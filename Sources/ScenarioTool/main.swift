import Foundation
import TestSupport

// Writes labelled scenarios deterministically (capture, endpoint feed, launchd inventory,
// expected verdicts):
//   ScenarioTool DIR          the demo scenario into DIR (scripts/demo)
//   ScenarioTool --all DIR    every scenario into DIR/NAME, the demo into DIR/demo (scripts/eval)
var arguments = Array(CommandLine.arguments.dropFirst())
let all = arguments.first == "--all"
if all { arguments.removeFirst() }
let directory = arguments.first ?? "pcaps/demo"
do {
    if all {
        try DemoScenario.write(to: directory + "/demo")
        for scenario in Scenario.all { try scenario.write(to: directory + "/" + scenario.name) }
        print("scenario: wrote \(Scenario.all.count + 1) scenarios into \(directory)")
    } else {
        try DemoScenario.write(to: directory)
        print("scenario: wrote \(directory)")
    }
} catch {
    FileHandle.standardError.write(Data("scenario: \(error)\n".utf8))
    exit(1)
}

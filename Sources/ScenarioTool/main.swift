import Foundation
import TestSupport

// Writes labelled scenarios deterministically (capture, endpoint feed, launchd inventory,
// expected verdicts):
//   ScenarioTool DIR          the demo scenario into DIR (scripts/demo)
//   ScenarioTool --all DIR    every scenario into DIR/NAME, the demo into DIR/demo (scripts/eval)
//   ScenarioTool agent|sink   live traffic for the sensor's end-to-end test (LiveAgent)
var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "agent", arguments.count == 6, let checkins = Int(arguments[2]), let quiet = Double(arguments[3]), let queries = Int(arguments[4]) {
    LiveAgent.agent(sink: arguments[1], checkins: checkins, quiet: quiet, queries: queries, fallback: arguments[5])
    exit(0)
}
if arguments.first == "sink", arguments.count == 3 {
    LiveAgent.sink(address: arguments[1], dns: arguments[2])
}
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

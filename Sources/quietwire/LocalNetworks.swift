import ArgumentParser
import Flows
import Foundation

/// `--local-networks` as `logs`, `analyze` and `learn` read it: comma-separated CIDR blocks.
enum LocalNetworks {
    static func parse(_ text: String) -> NetworkSet? {
        NetworkSet(text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
    }

    static func validate(_ text: String?) throws {
        if let text, parse(text) == nil {
            throw ValidationError("--local-networks: '\(text)' is not a comma-separated list of CIDR blocks like 10.0.0.0/8,fd00::/8")
        }
    }
}

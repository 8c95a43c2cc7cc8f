import Foundation
import Synchronization

/// osquery's TLS enrollment, config and logger protocol: `/enroll` trades the shared enroll
/// secret (configured as its SHA-256) for a node key; `/config` answers a known node key with
/// the configuration; `/log` carries `{"node_key", "log_type",
/// "data": [...]}` whose result rows are read like osquery's results log. Node keys live in
/// memory: after a sensor restart osqueryd is told `node_invalid` and enrolls again.
final class OsqueryEnrollment: Sendable {
    private let secretSHA256: String?
    private let nodes = Mutex<[String: String]>([:])
    static let maximumNodes = 1_000_000

    init(secretSHA256: String?) {
        self.secretSHA256 = secretSHA256
    }

    /// A node key for a valid enrollment request, nil otherwise.
    func enroll(_ body: Data) -> String? {
        guard let secretSHA256,
              let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let secret = object["enroll_secret"] as? String,
              TokenAuthority.equal(Array(TokenAuthority.digest(secret).utf8), Array(secretSHA256.utf8)) else { return nil }
        let host = (object["host_identifier"] as? String).map { String($0.prefix(256)) } ?? "unknown"
        var rng = SystemRandomNumberGenerator()
        let key = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        let full = nodes.withLock { n -> Bool in
            guard n.count < Self.maximumNodes else { return true }
            n[key] = host
            return false
        }
        return full ? nil : key
    }

    /// True when `body` carries the node key of an enrolled node.
    func isEnrolled(_ body: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let key = object["node_key"] as? String else { return false }
        return nodes.withLock { $0[key] != nil }
    }

    /// The host and the result rows (one JSON line each) of a valid `/log` request; nil for an
    /// unknown node key. Status logs carry no results and give no rows.
    func results(_ body: Data) -> (String, [String])? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let key = object["node_key"] as? String,
              let host = nodes.withLock({ $0[key] }) else { return nil }
        guard (object["log_type"] as? String) == "result", let data = object["data"] as? [Any] else { return (host, []) }
        let lines = data.compactMap { row -> String? in
            guard JSONSerialization.isValidJSONObject(row), let d = try? JSONSerialization.data(withJSONObject: row) else { return nil }
            return String(decoding: d, as: UTF8.self)
        }
        return (host, lines)
    }
}

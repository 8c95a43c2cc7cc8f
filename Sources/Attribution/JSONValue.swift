/// A parsed JSON value (RFC 8259). Feed adapters read records through it; numbers are kept
/// as `Double`, which holds every integer a feed carries (pids, ports, epoch times) exactly.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order; a repeated key keeps every occurrence, `[key]` finds the first.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The member named `key` of an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for (k, v) in members where k == key { return v }
        return nil
    }

    /// Follows a dotted path through nested objects, also accepting a flattened key at any
    /// level: `path("process.code_signature.team_id")` finds `{"process":{"code_signature":{"team_id":…}}}`,
    /// `{"process.code_signature.team_id":…}` and mixtures of both.
    public func path(_ dotted: String) -> JSONValue? {
        if let v = self[dotted] { return v }
        var prefix = Substring(dotted)
        while let dot = prefix.lastIndex(of: ".") {
            prefix = prefix[..<dot]
            if let inner = self[String(prefix)] {
                let rest = String(dotted[dotted.index(after: dot)...])
                if let v = inner.path(rest) { return v }
            }
        }
        return nil
    }

    /// The text of a string, or a number or boolean written as text (osquery writes every
    /// column as a string unless `numerics` is on); nil for null, objects and arrays.
    public var text: String? {
        switch self {
        case .string(let s): s
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    /// A whole number from a number or a decimal string; nil when absent, fractional or out of range.
    public var integer: Int64? {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 9.0e15 ? Int64(d) : nil
        case .string(let s): return Int64(s.trimmingSpaces)
        default: return nil
        }
    }

    /// A number from a number or a numeric string.
    public var double: Double? {
        switch self {
        case .number(let d): d
        case .string(let s): Double(s.trimmingSpaces)
        default: nil
        }
    }

    /// A boolean from true/false, 1/0, or the strings "true", "false", "1", "0", "yes", "no".
    public var boolean: Bool? {
        switch self {
        case .bool(let b): return b
        case .number(let d): return d != 0
        case .string(let s):
            switch s.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }

    public var isObject: Bool { if case .object = self { true } else { false } }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

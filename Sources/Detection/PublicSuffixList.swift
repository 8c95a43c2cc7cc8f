import Foundation

/// The Public Suffix List (publicsuffix.org; `Resources/public_suffix_list.dat`, shipped with
/// the package): turns a host name into its registered domain (eTLD+1), the destination
/// identity of a channel (DETECTION.md 3.1). Rules follow the list's format: `example`,
/// wildcard `*.example`, exception `!www.example`; the longest match wins, an exception beats
/// its wildcard, and a name no rule matches has the implicit rule `*`.
public struct PublicSuffixList: Sendable {
    private var exact: Set<String> = []
    private var wildcard: Set<String> = []
    private var exceptions: Set<String> = []
    /// Rules read.
    public private(set) var ruleCount = 0

    /// The list from the rules text (comments and blank lines skipped).
    public init(rules text: String) {
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
            guard !line.isEmpty, !line.hasPrefix("//") else { continue }
            let rule = line.lowercased()
            if rule.hasPrefix("!") {
                exceptions.insert(String(rule.dropFirst()))
            } else if rule.hasPrefix("*.") {
                wildcard.insert(String(rule.dropFirst(2)))
            } else {
                exact.insert(rule)
            }
            ruleCount += 1
        }
    }

    /// The list shipped with the package; nil when its resource file is missing (a binary
    /// copied without its resource bundle).
    public static let shipped: PublicSuffixList? = {
        guard let url = Bundle.module.url(forResource: "public_suffix_list", withExtension: "dat"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        return PublicSuffixList(rules: text)
    }()

    /// True when the list names `label` as a top-level suffix (the implicit `*` rule aside).
    public func lists(topLevel label: String) -> Bool {
        exact.contains(label.lowercased()) || wildcard.contains(label.lowercased())
    }

    /// The registered domain (public suffix plus one label) of `name`, lower-cased without a
    /// trailing dot; nil for a public suffix itself, an empty name or an address literal.
    public func registeredDomain(_ name: String) -> String? {
        var host = name.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, host.utf8.count <= 253, !host.contains(":"), Double(host.replacingOccurrences(of: ".", with: "")) == nil else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.contains(where: \.isEmpty) else { return nil }
        let n = labels.count
        // Suffix length in labels: the longest rule that matches.
        var suffixLength = 1
        for i in 0..<n {
            let candidate = labels[i...].joined(separator: ".")
            if exceptions.contains(candidate) { suffixLength = n - i - 1; break }
            if exact.contains(candidate) { suffixLength = n - i; break }
            if i + 1 < n, wildcard.contains(labels[(i + 1)...].joined(separator: ".")) { suffixLength = n - i; break }
        }
        guard suffixLength < n else { return nil }
        return labels[(n - suffixLength - 1)...].joined(separator: ".")
    }
}

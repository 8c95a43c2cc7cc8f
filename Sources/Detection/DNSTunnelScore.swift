import Foundation

/// Signs that DNS queries to one registered domain carry data (DETECTION.md 3.6), from the
/// queries themselves: unique subdomains, the entropy of their characters, the share of TXT and
/// NULL queries, label and name lengths, the information they carry per day, and names that
/// were answered but never connected to. Each sign adds to `score`; 3 or more is a tunnel.
public struct DNSTunnelScore: Sendable, Equatable {
    /// One question as the tunnel score sees it.
    public struct Query: Sendable {
        public var name: String
        public var type: UInt16
        /// When it was asked, nanoseconds.
        public var time: Int64
        /// Whether the client reached one of its answer addresses afterwards (within the TTL
        /// and a minute); nil when it had no address answers.
        public var connected: Bool?

        public init(name: String, type: UInt16, time: Int64 = 0, connected: Bool? = nil) {
            self.name = name
            self.type = type
            self.time = time
            self.connected = connected
        }
    }

    public var domain: String
    public var queries: Int
    /// Distinct names left of the registered domain.
    public var uniqueSubdomains: Int
    /// Shannon entropy of the subdomain characters (dots excluded), bits per character.
    public var entropy: Double
    /// Characters the entropy was measured over.
    public var characters: Int
    /// Share of TXT (16) and NULL (10) queries.
    public var txtNullShare: Double
    public var longestLabel: Int
    public var meanNameLength: Double
    /// Information in the unique subdomains on the busiest day, bytes: their characters times
    /// the character entropy, a proxy for their compressed size (Paxson et al. 2013).
    public var informationPerDay: Int
    /// Names answered with addresses that the client never connected to.
    public var neverConnected: Int

    /// U ≥ 100: 1, U ≥ 20: 0.5; H ≥ 4 bits over at least 30 characters: 1; TXT+NULL ≥ half with
    /// U ≥ 20: 1; a label of 40+ characters or names averaging over 52: 1; 4 KiB or more of
    /// information on one day: 1; 20 or more answered names never connected to: 0.5.
    public var score: Double {
        var s = uniqueSubdomains >= 100 ? 1.0 : uniqueSubdomains >= 20 ? 0.5 : 0
        if entropy >= 4.0 && characters >= 30 { s += 1 }
        if txtNullShare >= 0.5 && uniqueSubdomains >= 20 { s += 1 }
        if longestLabel >= 40 || meanNameLength > 52 { s += 1 }
        if informationPerDay >= 4096 { s += 1 }
        if neverConnected >= 20 { s += 0.5 }
        return s
    }

    public var isTunnel: Bool { score >= 3 }

    /// Too few queries for volume to count, but long labels of high entropy (score 2 from
    /// entropy and length alone): a slow tunnel, evidence only in an agent's fallback context.
    public var isLowVolumeTunnel: Bool { score >= 2 && entropy >= 4.0 && characters >= 30 && (longestLabel >= 40 || meanNameLength > 52) }

    public var detail: String {
        "\(domain): \(uniqueSubdomains) unique subdomains in \(queries) queries, \(String(format: "%.2f", entropy)) bits/char, "
            + "TXT+NULL \(Int((txtNullShare * 100).rounded()))%, longest label \(longestLabel), mean name \(Int(meanNameLength.rounded())) chars, "
            + "\(informationPerDay) B of information on its busiest day, \(neverConnected) answered names never connected to (score \(score))"
    }

    /// The score of the registered domain with the most unique subdomains among `queries`;
    /// nil when no query names a registered domain.
    public static func strongest(_ queries: [Query], domains: PublicSuffixList) -> DNSTunnelScore? {
        var byDomain: [String: [Query]] = [:]
        for q in queries {
            guard let d = domains.registeredDomain(q.name) else { continue }
            var lowered = q
            lowered.name = q.name.lowercased()
            byDomain[d, default: []].append(lowered)
        }
        return byDomain.map { score(domain: $0.key, $0.value) }.max { ($0.uniqueSubdomains, $1.domain) < ($1.uniqueSubdomains, $0.domain) }
    }

    static func score(domain: String, _ queries: [Query]) -> DNSTunnelScore {
        var subdomains: Set<String> = []
        var charactersByDay: [Int64: Int] = [:]
        var longest = 0
        var lengths = 0
        var typed = 0
        var neverConnected: Set<String> = []
        for q in queries {
            var n = q.name
            if n.hasSuffix(".") { n.removeLast() }
            lengths += n.utf8.count
            if q.type == 16 || q.type == 10 { typed += 1 }
            if q.connected == false { neverConnected.insert(n) }
            guard n.count > domain.count + 1 else { continue }
            let sub = String(n.dropLast(domain.count + 1))
            if subdomains.insert(sub).inserted { charactersByDay[q.time / 86_400_000_000_000, default: 0] += sub.utf8.count }
            for label in sub.split(separator: ".") { longest = max(longest, label.utf8.count) }
        }
        var counts: [UInt8: Int] = [:]
        var total = 0
        for sub in subdomains {
            for b in sub.utf8 where b != UInt8(ascii: ".") { counts[b, default: 0] += 1; total += 1 }
        }
        var h = 0.0
        for c in counts.values {
            let p = Double(c) / Double(total)
            h -= p * log2(p)
        }
        return DNSTunnelScore(domain: domain, queries: queries.count, uniqueSubdomains: subdomains.count, entropy: h, characters: total,
                              txtNullShare: queries.isEmpty ? 0 : Double(typed) / Double(queries.count), longestLabel: longest,
                              meanNameLength: queries.isEmpty ? 0 : Double(lengths) / Double(queries.count),
                              informationPerDay: Int(Double(charactersByDay.values.max() ?? 0) * h / 8), neverConnected: neverConnected.count)
    }
}

/// A feed line that was skipped, and why.
public struct FeedProblem: Sendable, Equatable, CustomStringConvertible {
    /// The feed's name (its path, or "-" for standard input).
    public var feed: String
    /// 1-based line where the skipped document starts.
    public var line: Int
    public var reason: String

    public init(feed: String, line: Int, reason: String) {
        self.feed = feed
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(feed):\(line): \(reason)" }
}

/// What an adapter could not use in one document: the reason, for the problem list.
public struct FeedLineError: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

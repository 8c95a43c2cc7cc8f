/// The formats `FeedReader` understands.
public enum FeedFormat: String, Sendable, CaseIterable {
    /// QuietWire's own NDJSON schema (docs/feed-schema.md).
    case native
    /// osquery results logs: event, batch and snapshot forms.
    case osquery
    /// ECS documents as Elastic Defend writes them (network and process events).
    case ecs
    /// `lsof -F` output with QuietWire's time marker per snapshot (scripts/lsof-feed).
    case lsof

    /// The format of one JSON document, from its keys; nil when none fits.
    static func detect(_ v: JSONValue) -> FeedFormat? {
        guard v.isObject else { return nil }
        if case .string(let t) = v["type"], NativeFeedAdapter.types.contains(t) { return .native }
        if v["diffResults"] != nil || v["columns"] != nil || v["snapshot"] != nil { return .osquery }
        if v["@timestamp"] != nil || v.path("event.action") != nil || v.path("event.category") != nil { return .ecs }
        return nil
    }
}

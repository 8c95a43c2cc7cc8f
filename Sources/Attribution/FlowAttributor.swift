import Flows

/// The attribution stage of a run: attributes each finished flow through the correlator and
/// keeps the coverage summary of the final (not interim) records.
public final class FlowAttributor {
    public let correlator: Correlator
    public private(set) var summary = AttributionSummary()

    public init(correlator: Correlator) {
        self.correlator = correlator
    }

    /// The flow's attribution; interim records are attributed but not counted in the summary.
    public func attribute(_ r: FlowRecord) -> Attribution {
        let a = correlator.attribute(r)
        if !r.interim { summary.note(r, a) }
        return a
    }
}

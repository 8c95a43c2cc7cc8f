/// One named piece of evidence in an alert's score (DETECTION.md 3.12): a code, its weight in
/// the additive score (negative for a credit that speaks against an alert), and the numbers
/// behind it.
public struct Reason: Sendable, Equatable {
    public var code: String
    public var weight: Double
    public var detail: String

    public init(_ code: String, _ weight: Double, _ detail: String) {
        self.code = code
        self.weight = weight
        self.detail = detail
    }
}

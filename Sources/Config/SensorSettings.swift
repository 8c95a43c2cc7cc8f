/// The live sensor's settings (`sensor:` in quietwire.yaml, docs/configuration.md). Times are
/// seconds of packet time unless a field says otherwise.
public struct SensorSettings: Sendable {
    /// How long a finished flow waits for its owner's feed records before it is attributed
    /// with what is known (endpoints report on an interval and post in batches).
    public var attributionLag: Double = 30
    /// How far learning trails the clock: a fallback channel younger than this is still new
    /// (its alert comes within it), and memory holds this much of the agents' flows.
    public var learnDelay: Double = 86_400
    /// Between two judgements of the unlearned flows.
    public var judgeInterval: Double = 60
    /// Between two baseline checkpoints to SQLite (a crash loses at most this much learning).
    public var checkpointInterval: Double = 300
    /// Logs are rotated after this long, or once conn.log passes `rotateBytes`.
    public var rotateInterval: Double = 3600
    public var rotateBytes = 1 << 30
    /// Between two capture health lines (and coverage.json updates), wall-clock seconds.
    public var statsInterval: Double = 60
    /// Feed records acknowledged within this long are replayed to the correlator after a
    /// restart (the feed journal keeps them), wall-clock seconds.
    public var feedRetention: Double = 3600

    /// The feed service: address:port to listen on (nil: no service).
    public var listen: String?
    /// PEM certificate chain and key for TLS.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Plain HTTP, only when explicitly allowed (loopback tests, a TLS proxy in front).
    public var allowPlainHTTP = false
    /// Largest request body, bytes, before and after gzip decompression.
    public var bodyLimit = 16 << 20
    public var decompressedLimit = 64 << 20
    /// Requests per second each token may make (with a burst of twice as many).
    public var requestsPerSecond: Double = 50
    /// Endpoints allowed to post feeds: name and the SHA-256 of its bearer token (hex).
    public var tokens: [Token] = []
    /// SHA-256 (hex) of osquery's enroll secret (nil: osquery enrollment is off).
    public var osqueryEnrollSecret: String?
    /// The osquery configuration (JSON text) served at `/config` to enrolled nodes, read from
    /// the file `osquery_config` names (nil: the built-in one, docs/sensor.md).
    public var osqueryConfig: String?

    public struct Token: Sendable, Equatable {
        public var endpoint: String
        /// SHA-256 of the token, 64 lowercase hex digits.
        public var sha256: String
        public init(endpoint: String, sha256: String) {
            self.endpoint = endpoint
            self.sha256 = sha256.lowercased()
        }
    }

    public init() {}
}

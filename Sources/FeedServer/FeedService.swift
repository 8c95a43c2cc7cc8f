import Attribution
import CompressNIO
import Config
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Metrics
import NIOCore
import NIOSSL
import Prometheus
import Sensor
import ServiceLifecycle
import Synchronization

/// The sensor's HTTP service (Hummingbird):
/// - `POST /v1/feed`: NDJSON feed records in any format `analyze` reads (gzip bodies too),
///   with a bearer token from the configuration. Answers 200 once the records are in the
///   feed journal and the correlator; 400 names the first bad line (its good neighbours are
///   kept and counted in `accepted`); 401 bad token, 413 body past the limit (before or after
///   decompression), 429 past the token's rate, 503 while the sensor stops.
/// - `POST /enroll`, `POST /config`, `POST /log`: osquery's TLS enrollment, config and logger
///   plugins (`/config` gives enrolled nodes the queries QuietWire reads, `OsqueryConfiguration`).
/// - `GET /metrics`: Prometheus text. `GET /healthz`: `ok`.
public final class FeedService: Sendable {
    public let settings: SensorSettings
    private let authority: TokenAuthority
    private let limiter: RateLimiter
    private let inbox: FeedInbox
    private let journal: FeedJournal?
    public let registry: PrometheusCollectorRegistry
    public let metrics: SensorMetrics
    private let osquery: OsqueryEnrollment
    private let osqueryConfiguration: String
    private let group = Mutex<ServiceGroup?>(nil)

    public init(settings: SensorSettings, inbox: FeedInbox, journal: FeedJournal?) {
        self.settings = settings
        authority = TokenAuthority(settings.tokens)
        limiter = RateLimiter(rate: settings.requestsPerSecond)
        self.inbox = inbox
        self.journal = journal
        registry = PrometheusCollectorRegistry()
        metrics = SensorMetrics(factory: PrometheusMetricsFactory(registry: registry))
        osquery = OsqueryEnrollment(secretSHA256: settings.osqueryEnrollSecret)
        osqueryConfiguration = settings.osqueryConfig ?? OsqueryConfiguration.builtIn
    }

    /// The routes, for the server and for tests.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/metrics") { [self] _, _ in
            metrics.refresh(nowWallSeconds: Date().timeIntervalSince1970)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.post("/v1/feed") { [self] request, _ in try await feed(request) }
        router.post("/enroll") { [self] request, _ in try await enroll(request) }
        router.post("/log") { [self] request, _ in try await log(request) }
        router.post("/config") { [self] request, _ in try await config(request) }
        return router
    }

    /// Stops serving: open requests are answered, then `run` returns.
    public func shutdown() {
        let g = group.withLock { $0 }
        Task { await g?.triggerGracefulShutdown() }
    }

    /// Serves until `shutdown`. `onRunning` gets the bound port (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        guard let listen = settings.listen, let (host, port) = QuietWireConfig.listenAddress(listen) else { return }
        let http = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [ContinueHandler { [self] in wantsBody($0) }],
                                                                idleTimeout: .seconds(30)))
        let server: HTTPServerBuilder
        if let certificate = settings.tlsCertificate, let key = settings.tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(http, tlsConfiguration: tls)
        } else {
            server = http
        }
        var logger = Logger(label: "quietwire.feed")
        logger.logLevel = .warning
        let app = Application(router: router(), server: server,
                              configuration: .init(address: .hostname(host, port: port), serverName: "quietwire"),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) }, logger: logger)
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        group.withLock { $0 = serviceGroup }
        try await serviceGroup.run()
    }

    // MARK: - Feed

    static func json(_ status: HTTPResponse.Status, _ fields: [(String, Any)], headers: HTTPFields = [:]) -> Response {
        var object: [String: Any] = [:]
        for (k, v) in fields { object[k] = v }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: Array(data) + [0x0A])))
    }

    /// The body, decompressed when gzip, within the limits; or the response refusing it.
    enum Body {
        case success(String)
        case failure(Response)
    }

    func body(_ request: Request) async throws -> Body {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.bodyLimit {
            return .failure(Self.json(.contentTooLarge, [("error", "body of \(length) bytes is past the limit of \(settings.bodyLimit)")]))
        }
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: settings.bodyLimit)
        } catch is NIOTooManyBytesError {
            return .failure(Self.json(.contentTooLarge, [("error", "body past the limit of \(settings.bodyLimit) bytes")]))
        }
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip" else {
                return .failure(Self.json(.unsupportedMediaType, [("error", "Content-Encoding \(encoding) is not supported (gzip is)")]))
            }
            do {
                // compress-nio grows its output buffer by doubling, so maxSize can let through
                // up to twice the limit: checked again here.
                buffer = try buffer.decompress(with: .gzip(), maxSize: settings.decompressedLimit)
                if buffer.readableBytes > settings.decompressedLimit { throw CompressNIOError.bufferOverflow }
            } catch let e as CompressNIOError where e == .bufferOverflow {
                return .failure(Self.json(.contentTooLarge, [("error", "gzip body expands past the limit of \(settings.decompressedLimit) bytes")]))
            } catch {
                return .failure(Self.json(.badRequest, [("error", "gzip body could not be decompressed: \(error)")]))
            }
        }
        return .success(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    /// The endpoint whose bearer token the request carries, if any.
    func endpoint(_ headers: HTTPFields) -> String? {
        guard let header = headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return authority.endpoint(token: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }

    /// Whether a request that expects `100 Continue` should be told to send its body: not
    /// when its head alone already decides a refusal (a body past the limit, or a feed post
    /// without a valid token).
    func wantsBody(_ head: HTTPRequest) -> Bool {
        if let length = head.headerFields[.contentLength].flatMap(Int.init), length > settings.bodyLimit { return false }
        // The router ignores empty segments: /v1/feed/ and //v1/feed are the feed route too.
        let path = (head.path ?? "").split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return path.split(separator: "/") != ["v1", "feed"] || endpoint(head.headerFields) != nil
    }

    func feed(_ request: Request) async throws -> Response {
        guard let endpoint = endpoint(request.headers) else {
            metrics.feedRecords(source: "unauthenticated", outcome: "refused", 1)
            return Self.json(.unauthorized, [("error", "a valid bearer token is required (Authorization: Bearer <token>)")], headers: [.wwwAuthenticate: "Bearer"])
        }
        let (allowed, retry) = limiter.take(endpoint)
        guard allowed else {
            metrics.feedRecords(source: endpoint, outcome: "refused", 1)
            return Self.json(.tooManyRequests, [("error", "past \(settings.requestsPerSecond) requests per second for this token")],
                             headers: [.retryAfter: String(Int(retry.rounded(.up)))])
        }
        let text: String
        switch try await body(request) {
        case .success(let t): text = t
        case .failure(let refusal):
            metrics.feedRecords(source: endpoint, outcome: "refused", 1)
            return refusal
        }
        return await accept(FeedReader.read(text: text, name: endpoint), source: endpoint)
    }

    /// Journals and ingests what `load` read; the answer names the first problem.
    func accept(_ load: FeedReader.Load, source: String) async -> Response {
        if !load.records.isEmpty {
            do {
                try journal?.append(load.records.map(NativeFeedEncoder.line))
            } catch {
                return Self.json(.serviceUnavailable, [("error", "the sensor cannot store records now: \(error)")])
            }
            guard await inbox.submit(load.records) else {
                return Self.json(.serviceUnavailable, [("error", "the sensor is stopping; send again")], headers: [.retryAfter: "5"])
            }
        }
        metrics.feedRecords(source: source, outcome: "accepted", load.records.count)
        metrics.feedRecords(source: source, outcome: "rejected", load.problemCount)
        if let newest = load.records.compactMap(\.time).max() {
            metrics.feedLag(source: source, seconds: max(0, Date().timeIntervalSince1970 - newest.secondsDouble),
                            attributionLag: settings.attributionLag)
        }
        var fields: [(String, Any)] = [("accepted", load.records.count), ("rejected", load.problemCount), ("ignored", load.ignored)]
        if let first = load.problems.first {
            fields.append(("error", "line \(first.line): \(first.reason)"))
            return Self.json(.badRequest, fields)
        }
        return Self.json(.ok, fields)
    }

    // MARK: - osquery

    func enroll(_ request: Request) async throws -> Response {
        guard case .success(let text) = try await body(request) else {
            return Self.json(.contentTooLarge, [("node_invalid", true)])
        }
        guard let key = osquery.enroll(Data(text.utf8)) else {
            metrics.feedRecords(source: "osquery", outcome: "refused", 1)
            return Self.json(.ok, [("node_invalid", true)])
        }
        return Self.json(.ok, [("node_key", key), ("node_invalid", false)])
    }

    /// The osquery configuration for an enrolled node; `node_invalid` for any other.
    func config(_ request: Request) async throws -> Response {
        guard case .success(let text) = try await body(request) else {
            return Self.json(.contentTooLarge, [("node_invalid", false), ("error", "body past the limit")])
        }
        guard osquery.isEnrolled(Data(text.utf8)) else {
            metrics.feedRecords(source: "osquery", outcome: "refused", 1)
            return Self.json(.ok, [("node_invalid", true)])
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: Array(osqueryConfiguration.utf8))))
    }

    func log(_ request: Request) async throws -> Response {
        guard case .success(let text) = try await body(request) else {
            return Self.json(.contentTooLarge, [("node_invalid", false), ("error", "body past the limit")])
        }
        guard let (host, lines) = osquery.results(Data(text.utf8)) else {
            metrics.feedRecords(source: "osquery", outcome: "refused", 1)
            return Self.json(.ok, [("node_invalid", true)])
        }
        // One metrics source for every osquery host: host identifiers are the client's to choose.
        let response = await accept(FeedReader.read(text: lines.joined(separator: "\n"), name: "osquery:" + host, format: .osquery), source: "osquery")
        return response.status == .serviceUnavailable ? response : Self.json(.ok, [("node_invalid", false)])
    }
}

import ArgumentParser
import FeedServer

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a bearer token for an endpoint that posts feeds to the live sensor.",
        discussion: """
            Prints the token (give it to the endpoint: `quietwire collect --to URL --token TOKEN`) \
            and the lines for quietwire.yaml, which keeps only its SHA-256.
            """)

    @Argument(help: "The endpoint's name (shown in metrics and logs).")
    var endpoint: String

    func run() {
        let (token, digest) = TokenAuthority.make()
        print("""
            token: \(token)
            # quietwire.yaml, under sensor.tokens:
              - endpoint: \(endpoint)
                sha256: \(digest)
            """)
    }
}

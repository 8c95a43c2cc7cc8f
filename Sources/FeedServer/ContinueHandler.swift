import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers a request that carries `Expect: 100-continue` with `100 Continue` as soon as its
/// head arrives (RFC 9110 §10.1.1), so a client that waits for it before sending the body
/// (curl does for bodies over 1 MiB) sends at once rather than after its own timeout (1 s
/// for curl). A request the route will refuse from its head alone (`wanted` says no: a bad
/// token, a body past the limit) gets no 100, so the client hears the refusal before it
/// uploads; the connection then closes after the refusal, since the body it announced will
/// not come and its next bytes would otherwise be read as that body. The expectation is
/// taken off the head the routes see.
final class ContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let wanted: @Sendable (HTTPRequest) -> Bool

    init(wanted: @escaping @Sendable (HTTPRequest) -> Bool) {
        self.wanted = wanted
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data),
              let expectation = head.headerFields[.expect], expectation.lowercased() == "100-continue" else {
            context.fireChannelRead(data)
            return
        }
        head.headerFields[.expect] = nil
        if wanted(head) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        } else {
            head.headerFields[.connection] = "close"
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}

import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

extension HubServer {
    /// A first request head must be whole within this (a browser's preconnection waits longer
    /// than that only when idle, and opens another).
    static let headDeadline = TimeAmount.seconds(30)
    /// A keep-alive connection with no request for this long is closed.
    static let idleTimeout = TimeAmount.seconds(120)

    /// HTTP/1 with WebSocket upgrades on `webSocketRouter`, each connection guarded
    /// (`GuardedHTTPChannel`).
    package static func guardedServer(
        webSocketRouter: Router<HubRequestContext>, webSocket: WebSocketServerConfiguration
    ) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            GuardedHTTPChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder,
                    configuration: .init(http1: .init(idleTimeout: idleTimeout), ws: webSocket)),
                headDeadline: headDeadline)
        }
    }
}

/// The hub's HTTP connections, with a guard over each one's first request head.
///
/// Until a connection's first request head is read, Hummingbird's WebSocket-upgrading pipeline
/// waits for it to choose between HTTP and WebSocket, and nothing answers or closes the
/// connection meanwhile: a head over the parser's limits (80 kB) or one that never ends would
/// hold the connection for as long as the client likes. The guard answers the first with 431
/// (or 400 for any other unreadable head) and closes, and closes a connection whose first head
/// is not whole within `headDeadline`. Once a head is read it steps aside: later requests are
/// Hummingbird's, and an idle keep-alive connection is closed after `idleTimeout`.
struct GuardedHTTPChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let headDeadline: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadline = headDeadline
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // Right after the request decoder: its errors and its first head come here first.
            let pipeline = channel.pipeline.syncOperations
            let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(
                FirstRequestGuard(deadline: deadline, logger: logger), position: decoder.map { .after($0) } ?? .last)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Closes a connection whose first request head cannot be read or does not come in time; just
/// after the request decoder, and removed at the first part (the head) it passes on.
package final class FirstRequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = NIOAny
    package typealias OutboundIn = NIOAny
    package typealias OutboundOut = HTTPServerResponsePart

    private let deadline: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var answered = false

    package init(deadline: TimeAmount, logger: Logger) {
        self.deadline = deadline
        self.logger = logger
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: deadline) {
            let (guarding, context) = loopBound.value
            guarding.logger.debug("no whole request head in time: closing the connection")
            context.close(promise: nil)
        }
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A head went through: Hummingbird (or the WebSocket) has the connection now.
        timer?.cancel()
        timer = nil
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parsing = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let status: HTTPResponseStatus = parsing == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        logger.debug("unreadable request head: answering and closing", metadata: ["error": "\(parsing)"])
        let head = HTTPResponseHead(
            version: .http1_1, status: status, headers: ["connection": "close", "content-length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }
}

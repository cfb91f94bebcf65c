import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import OutpostHub
import Testing

/// The guard in NIO's own HTTP server pipeline on an embedded channel, whose clock the test
/// moves: what a slow or broken client sees (AttackReplayTests tries the rest on a real hub).
@Suite("The first request head's guard")
struct FirstRequestGuardTests {
    /// NIO's HTTP server pipeline without its error handling (as Hummingbird configures it), the
    /// guard just after the decoder, and a sink that records the heads it is given.
    private static func channel(deadline: TimeAmount = .seconds(30)) throws -> (EmbeddedChannel, HeadSink) {
        let channel = EmbeddedChannel()
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(
            FirstRequestGuard(deadline: deadline, logger: Logger(label: "test")), position: .after(decoder))
        let sink = HeadSink()
        try pipeline.addHandler(sink)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
        return (channel, sink)
    }

    /// Everything the channel wrote, as text.
    private static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    @Test("A head still unfinished at the deadline: the connection is closed, and not a moment before")
    func slowHead() throws {
        let (channel, sink) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: hub\r\nX-Slow: "))
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive, "closed before the deadline")
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive, "still open after the deadline")
        #expect(sink.heads == 0)
    }

    @Test("A head in time goes through and the guard steps aside: no deadline afterwards, later heads pass")
    func headInTime() throws {
        let (channel, sink) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: hub\r\n\r\n"))
        #expect(sink.heads == 1)
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.handler(type: FirstRequestGuard.self)
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(3_600))
        #expect(channel.isActive, "a connection past its first head is not the guard's to close")
        try channel.writeInbound(ByteBuffer(string: "GET /login HTTP/1.1\r\nHost: hub\r\n\r\n"))
        #expect(sink.heads == 2)
        _ = try channel.finish()
    }

    @Test("A head over the decoder's limit is answered 431 and closed; an unreadable one 400; once each")
    func unreadableHeads() throws {
        let (big, _) = try Self.channel()
        let padding = String(repeating: "x", count: 100_000)
        try? big.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: hub\r\nX-Padding: \(padding)"))
        try? big.writeInbound(ByteBuffer(string: padding))
        let answer = try Self.written(big)
        #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(answer)")
        #expect(
            answer.lowercased().contains("connection: close") && answer.components(separatedBy: "HTTP/1.1").count == 2)
        #expect(!big.isActive)

        let (garbage, sink) = try Self.channel()
        try? garbage.writeInbound(ByteBuffer(bytes: [0, 1, 2, 0x0D, 0x0A, 0x0D, 0x0A]))
        #expect(try Self.written(garbage).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!garbage.isActive && sink.heads == 0)
    }
}

/// Counts the request heads that reach the end of the pipeline.
private final class HeadSink: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    private(set) var heads = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { heads += 1 }
    }
}

import Foundation
import Hummingbird
import HummingbirdWebSocket

/// `GET /api/v1/live`: the WebSocket. After the upgrade the client sends
/// `{"subscribe": [{"gateway": "g", "series": "s"}, …]}` (no series: all of the gateway's) or
/// `{"unsubscribe": […]}`; the hub sends `readings` of the series subscribed to, and every
/// `gateway` state change and `alert` event.
///
/// The socket lives only as long as what opened it: its session or token is checked again every
/// `recheck`, and the socket is closed (after a `closed` message saying why) once it has ended. A
/// client that stops answering the hub's pings is closed after `[web] live_idle`. A connection
/// holds at most `LiveFeed.maxSeriesPerClient` subscriptions, and one user's sessions or one token at most
/// `LiveFeed.maxClientsPerOwner` connections.
struct LiveRoutes {
    let services: HubServices
    /// How often an open socket's credentials are checked again.
    static let recheck: Duration = .seconds(2)

    func register(on routes: HubRoutes) {
        routes.record(.get, "/api/v1/live", .role(.viewer))
        let feed = services.feed
        let accounts = services.accounts
        routes.router.ws("/api/v1/live") { request, context in
            guard let identity = context.identity else {
                throw HTTPError(
                    .unauthorized, message: "log in, or send an API token as 'Authorization: Bearer <token>'")
            }
            // A page of another site cannot ride on the session cookie (cross-site WebSocket hijacking).
            if case .session = identity.means, let origin = request.headers[.origin],
                let host = request.head.authority,
                !(origin == "http://" + host || origin == "https://" + host)
            {
                throw HTTPError(.forbidden, message: "the WebSocket's Origin \(origin) is not this hub")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            // Counted per user for sessions and per token for tokens: kiosks sharing one creator each
            // get their own allowance.
            let identity = context.requestContext.identity
            let owner: String =
                switch identity?.means {
                case .token(let id): "token \(id)"
                default: "user \(identity?.name ?? "?")"
                }
            guard let subscription = feed.connect(owner: owner) else {
                let reason =
                    "\(owner) has \(LiveFeed.maxClientsPerOwner) live connections open already; close one first"
                try await outbound.write(.text(LiveFeed.text(API.LiveNotice.closed(reason))))
                return
            }
            defer { feed.disconnect(subscription.id) }
            let who = context.requestContext.identity?.name ?? "?"
            try await outbound.write(.text(LiveFeed.text(API.LiveNotice.hello(who))))
            let request = context.request
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in subscription.messages { try await outbound.write(.text(message)) }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: Self.recheck)
                        if await ((try? Authenticator.identify(request, accounts: accounts)) ?? nil) == nil {
                            try await outbound.write(
                                .text(LiveFeed.text(API.LiveNotice.closed("the session or token has ended"))))
                            return
                        }
                    }
                }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 256 * 1024) {
                        guard case .text(let text) = message else { continue }
                        let reply = Self.handle(text, client: subscription.id, feed: feed)
                        try await outbound.write(.text(reply))
                    }
                }
                // Either side ending (the client left, or the feed closed) ends the connection.
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Applies one client message; returns the reply.
    static func handle(_ text: String, client: Int, feed: LiveFeed) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            return LiveFeed.text(
                API.LiveNotice.error("send a JSON object: {\"subscribe\": [{\"gateway\": …, \"series\": …}]}"))
        }
        func keys(_ field: String) -> [SeriesKey]? {
            guard let list = object[field] as? [[String: Any]] else { return nil }
            return list.compactMap { entry in
                guard let gateway = entry["gateway"] as? String, !gateway.isEmpty else { return nil }
                return SeriesKey(gateway: gateway, name: entry["series"] as? String ?? "")
            }
        }
        if let series = keys("subscribe") {
            guard feed.subscribe(client, to: series) else {
                return LiveFeed.text(
                    API.LiveNotice.error(
                        "a connection holds at most \(LiveFeed.maxSeriesPerClient) series; unsubscribe some first (none of these were added)"
                    ))
            }
            return LiveFeed.text(API.LiveNotice.subscribed(series.count))
        }
        if let series = keys("unsubscribe") {
            feed.unsubscribe(client, from: series)
            return LiveFeed.text(API.LiveNotice.unsubscribed(series.count))
        }
        return LiveFeed.text(API.LiveNotice.error("unknown message; use subscribe or unsubscribe"))
    }
}

/// The messages of the live WebSocket (`/api/v1/live`), each with its `type`.
extension API {
    /// `readings`: samples of a subscribed series, as frames are committed or live values arrive.
    package struct LiveReadings: APIDocument {
        package static let schema = "LiveReadings"
        package var type = "readings"
        package var gateway, series: String
        package var samples: [SampleRow]
        package init(gateway: String, series: String, samples: [SampleRow]) {
            (self.gateway, self.series, self.samples) = (gateway, series, samples)
        }
        package static var examples: [Self] {
            [Self(gateway: "gw-1", series: "boiler.temperature", samples: SeriesSamples.examples[0].samples)]
        }
    }

    /// `gateway`: a gateway's state changed.
    package struct LiveGateway: APIDocument {
        package static let schema = "LiveGateway"
        package var type = "gateway"
        package var gateway: Gateway
        package init(gateway: Gateway) { self.gateway = gateway }
        package static var examples: [Self] { Gateway.examples.map { Self(gateway: $0) } }
    }

    /// `alert`: an alert opened, was acknowledged or resolved.
    package struct LiveAlert: APIDocument {
        package static let schema = "LiveAlert"
        package var type = "alert"
        package var event: String
        package var alert: Alert
        package init(event: String, alert: Alert) { (self.event, self.alert) = (event, alert) }
        package static var examples: [Self] { Alert.examples.map { Self(event: "alert.opened", alert: $0) } }
    }

    /// `hello` (with the user), `closed` (with the reason), `error` (with a message), and
    /// `subscribed` / `unsubscribed` (with the count of series the request named).
    package struct LiveNotice: APIDocument {
        package static let schema = "LiveNotice"
        package var type: String
        @OmittedWhenNil package var user: String?
        @OmittedWhenNil package var reason: String?
        @OmittedWhenNil package var message: String?
        @OmittedWhenNil package var count: Int?

        package static func hello(_ user: String) -> Self { Self(type: "hello", user: user) }
        package static func closed(_ reason: String) -> Self { Self(type: "closed", reason: reason) }
        package static func error(_ message: String) -> Self { Self(type: "error", message: message) }
        package static func subscribed(_ count: Int) -> Self { Self(type: "subscribed", count: count) }
        package static func unsubscribed(_ count: Int) -> Self { Self(type: "unsubscribed", count: count) }

        package static var examples: [Self] {
            [
                hello("duty"), closed("the session or token has ended"), error("unknown message"), subscribed(2),
                unsubscribed(1),
            ]
        }
    }
}

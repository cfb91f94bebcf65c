/// The messages of the live WebSocket (`/api/v1/live`), each with its `type`.
extension API {
    /// `readings`: samples of a subscribed series, as frames are committed or live values arrive.
    public struct LiveReadings: APIDocument {
        public static let schema = "LiveReadings"
        public var type = "readings"
        public var gateway, series: String
        public var samples: [SampleRow]
        public init(gateway: String, series: String, samples: [SampleRow]) {
            (self.gateway, self.series, self.samples) = (gateway, series, samples)
        }
        public static var examples: [Self] {
            [Self(gateway: "gw-1", series: "boiler.temperature", samples: SeriesSamples.examples[0].samples)]
        }
    }

    /// `gateway`: a gateway's state changed.
    public struct LiveGateway: APIDocument {
        public static let schema = "LiveGateway"
        public var type = "gateway"
        public var gateway: Gateway
        public init(gateway: Gateway) { self.gateway = gateway }
        public static var examples: [Self] { Gateway.examples.map { Self(gateway: $0) } }
    }

    /// `alert`: an alert opened, was acknowledged or resolved.
    public struct LiveAlert: APIDocument {
        public static let schema = "LiveAlert"
        public var type = "alert"
        public var event: String
        public var alert: Alert
        public init(event: String, alert: Alert) { (self.event, self.alert) = (event, alert) }
        public static var examples: [Self] { Alert.examples.map { Self(event: "alert.opened", alert: $0) } }
    }

    /// `hello` (with the user), `closed` (with the reason), `error` (with a message), and
    /// `subscribed` / `unsubscribed` (with the count of series the request named).
    public struct LiveNotice: APIDocument {
        public static let schema = "LiveNotice"
        public var type: String
        @OmittedWhenNil public var user: String?
        @OmittedWhenNil public var reason: String?
        @OmittedWhenNil public var message: String?
        @OmittedWhenNil public var count: Int?

        public static func hello(_ user: String) -> Self { Self(type: "hello", user: user) }
        public static func closed(_ reason: String) -> Self { Self(type: "closed", reason: reason) }
        public static func error(_ message: String) -> Self { Self(type: "error", message: message) }
        public static func subscribed(_ count: Int) -> Self { Self(type: "subscribed", count: count) }
        public static func unsubscribed(_ count: Int) -> Self { Self(type: "unsubscribed", count: count) }

        public static var examples: [Self] {
            [
                hello("duty"), closed("the session or token has ended"), error("unknown message"), subscribed(2),
                unsubscribed(1),
            ]
        }
    }
}

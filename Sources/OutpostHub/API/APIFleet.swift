extension API {
    /// One gateway as the fleet view shows it.
    public struct Gateway: Encodable, Sendable {
        public var id: String
        public var state: String
        public var lastSeen: Int64?
        public var backlogReadings: Int64
        public var clockOffsetNs: Int64
        public var clockState: String
        public var agentVersion: String?
        public var series: Int
        public var openAlerts: Int
        public var latitude: Double?
        public var longitude: Double?
        enum CodingKeys: String, CodingKey {
            case id, state, lastSeen = "last_seen", backlogReadings = "backlog_readings"
            case clockOffsetNs = "clock_offset_ns", clockState = "clock_state", agentVersion = "agent_version"
            case series, openAlerts = "open_alerts", latitude, longitude
        }

        public init(_ overview: GatewayOverview) {
            let record = overview.record
            (id, state, lastSeen, backlogReadings) = (
                record.id, overview.state, record.lastSeen, record.backlogReadings
            )
            (clockOffsetNs, clockState, agentVersion) = (record.clockOffset, record.clockState, record.agentVersion)
            (series, openAlerts, latitude, longitude) =
                (record.seriesCount, overview.openAlerts, record.latitude, record.longitude)
        }

        static var examples: [Self] {
            let record = GatewayRecord(
                id: "gw-1", enrolled: true, enrolledAt: 1, revokedAt: nil, lastSeen: 2, agentVersion: "0.1.0",
                backlogReadings: 0, clockOffset: -3, clockState: "synchronised", online: true, latitude: -33.9,
                longitude: 151.2, seriesCount: 4)
            var fresh = record
            (fresh.lastSeen, fresh.agentVersion, fresh.latitude, fresh.longitude) = (nil, nil, nil, nil)
            return [record, fresh].map { Self(GatewayOverview(record: $0, now: 3, silentAfter: .seconds(300))) }
        }
    }

    /// `GET /api/v1/gateways`: a page of the fleet, the number matched, and counts by state.
    public struct GatewayPage: APIDocument {
        public static let schema = "GatewayPage"
        public var gateways: [Gateway]
        public var total: Int
        public var counts: [String: Int]
        public var offset: Int
        @OmittedWhenNil public var nextOffset: Int?
        enum CodingKeys: String, CodingKey {
            case gateways, total, counts, offset, nextOffset = "next_offset"
        }
        public static var examples: [Self] {
            [
                Self(
                    gateways: Gateway.examples, total: 3, counts: ["total": 3, "online": 2], offset: 0, nextOffset: 2),
                Self(gateways: [], total: 0, counts: ["total": 0], offset: 0, nextOffset: nil),
            ]
        }
    }

    /// `GET /api/v1/gateways/{gateway}`.
    public struct GatewayAnswer: APIDocument {
        public static let schema = "GatewayAnswer"
        public var gateway: Gateway
        public static var examples: [Self] { Gateway.examples.map { Self(gateway: $0) } }
    }

    /// `GET /api/v1/gateways/{gateway}/series`: its series, with the newest value of each that has one.
    public struct GatewaySeriesList: APIDocument {
        public static let schema = "GatewaySeriesList"
        public struct Latest: Encodable, Sendable {
            public var time: Int64
            public var value: Double
            public var good: Bool
        }
        public struct Series: Encodable, Sendable {
            public var name, unit, kind: String
            public var resolution: String?
            @OmittedWhenNil public var latest: Latest?
        }
        public var gateway: String
        public var series: [Series]
        public static var examples: [Self] {
            [
                Self(
                    gateway: "gw-1",
                    series: [
                        Series(
                            name: "meter.power", unit: "W", kind: "gauge", resolution: "0.1",
                            latest: Latest(time: 1, value: 230.5, good: true)),
                        Series(
                            name: "meter.energy", unit: "Wh", kind: "counter", resolution: nil,
                            latest: Latest(time: 1, value: .nan, good: false)),
                        Series(name: "pump.running", unit: "", kind: "state", resolution: "1", latest: nil),
                    ])
            ]
        }
    }

    /// `GET /api/v1/gateways/{gateway}/latest`.
    public struct LatestList: APIDocument {
        public static let schema = "LatestList"
        public struct Reading: Encodable, Sendable {
            public var series, unit: String
            public var time: Int64
            public var value: Double
            public var good: Bool
            init(_ reading: LatestReading) {
                (series, unit, time, value, good) =
                    (reading.series.name, reading.unit, reading.timestamp, reading.value, reading.good)
            }
        }
        public var gateway: String
        public var latest: [Reading]
        public static var examples: [Self] {
            let key = SeriesKey(gateway: "gw-1", name: "meter.power")
            return [
                Self(
                    gateway: "gw-1",
                    latest: [
                        Reading(LatestReading(series: key, unit: "W", timestamp: 1, value: 230.5, good: true)),
                        Reading(LatestReading(series: key, unit: "W", timestamp: 2, value: .infinity, good: false)),
                    ])
            ]
        }
    }

    /// `GET /api/v1/gateways/{gateway}/health`: `[time, online, backlog_readings]`, oldest first.
    public struct GatewayHealth: APIDocument {
        public static let schema = "GatewayHealth"
        public struct Point: Encodable, Sendable {
            public var point: HealthPoint
            public func encode(to encoder: any Encoder) throws {
                var row = encoder.unkeyedContainer()
                try row.encode(point.time)
                try row.encode(point.online)
                try row.encode(point.backlogReadings)
            }
        }
        public var gateway: String
        public var from, to: Int64
        public var points: [Point]
        public static var examples: [Self] {
            [
                Self(
                    gateway: "gw-1", from: 0, to: 10,
                    points: [
                        Point(point: HealthPoint(time: 1, online: true, backlogReadings: 0)),
                        Point(point: HealthPoint(time: 2, online: false, backlogReadings: 120)),
                    ])
            ]
        }
    }

    /// `POST /api/v1/gateways`.
    public struct GatewayEnrolled: APIDocument {
        public static let schema = "GatewayEnrolled"
        public var enrolled: String
        public static var examples: [Self] { [Self(enrolled: "gw-1")] }
    }

    /// `POST /api/v1/gateways/{gateway}/revoke`.
    public struct GatewayRevoked: APIDocument {
        public static let schema = "GatewayRevoked"
        public var revoked: String
        public static var examples: [Self] { [Self(revoked: "gw-1")] }
    }
}

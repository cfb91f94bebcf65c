import OutpostWire

extension API {
    /// One gateway as the fleet view shows it.
    package struct Gateway: Encodable, Sendable {
        package var id: String
        package var state: String
        package var lastSeen: Int64?
        package var backlogReadings: Int64
        package var clockOffsetNs: Int64
        package var clockState: String
        package var agentVersion: String?
        package var series: Int
        package var openAlerts: Int
        package var latitude: Double?
        package var longitude: Double?
        /// The data budget it last reported; absent when it keeps none.
        @OmittedWhenNil package var budget: Budget?
        /// Its labels, what rollouts select by.
        package var labels: [String: String]
        /// Its remote configuration: wanted, applied, given up; absent for a gateway that takes
        /// none and was never sent one.
        @OmittedWhenNil package var configuration: Configuration?
        /// Agent releases: the release it runs, one on trial, the last it refused or rolled back
        /// and why; absent for a gateway never given one.
        @OmittedWhenNil package var release: ReleaseStatus?
        enum CodingKeys: String, CodingKey {
            case id, state, lastSeen = "last_seen", backlogReadings = "backlog_readings"
            case clockOffsetNs = "clock_offset_ns", clockState = "clock_state", agentVersion = "agent_version"
            case series, openAlerts = "open_alerts", latitude, longitude, budget, labels, configuration, release
        }

        /// Where a gateway stands with its remote configuration (`GatewayConfiguration` in full).
        package struct Configuration: Encodable, Sendable {
            package var state: String
            package var desired, applied, trial, failed: Int64?
        }

        /// A gateway's data budget: bytes allowed per `period` (day or month, UTC), used so far,
        /// when it renews, and what it sends meanwhile (`readings`, `summaries`, `nothing`).
        package struct Budget: Encodable, Sendable {
            package var limit: Int64
            package var period: String
            package var used: Int64
            package var renewsAt: Int64
            package var sending: String
            enum CodingKeys: String, CodingKey {
                case limit, period, used, sending, renewsAt = "renews_at"
            }
        }

        package init(_ overview: GatewayOverview) {
            let record = overview.record
            (id, state, lastSeen, backlogReadings) = (
                record.id, overview.state, record.lastSeen, record.backlogReadings
            )
            (clockOffsetNs, clockState, agentVersion) = (record.clockOffset, record.clockState, record.agentVersion)
            (series, openAlerts, latitude, longitude) =
                (record.seriesCount, overview.openAlerts, record.latitude, record.longitude)
            labels = record.labels
            release = record.release
            if record.desiredConfiguration != nil || record.configuration != nil {
                let report = record.configuration
                configuration = Configuration(
                    state: GatewayConfiguration.state(desired: record.desiredConfiguration, report: report),
                    desired: record.desiredConfiguration, applied: report?.applied, trial: report?.trial,
                    failed: report?.failed)
            }
            budget = record.budget.map {
                Budget(limit: $0.limit, period: $0.period, used: $0.used, renewsAt: $0.renewsAt, sending: $0.sending)
            }
        }

        static var examples: [Self] {
            let record = GatewayRecord(
                id: "gw-1", enrolled: true, enrolledAt: 1, revokedAt: nil, lastSeen: 2, agentVersion: "0.1.0",
                backlogReadings: 0, clockOffset: -3, clockState: "synchronised", online: true, latitude: -33.9,
                longitude: 151.2, seriesCount: 4,
                budget: StatusDocument.Budget(
                    limit: 20_000_000, period: "day", used: 17_250_000, renewsAt: 1_800_057_600_000_000_000,
                    sending: "summaries"),
                configuration: RemoteConfigurationStatus(applied: 2, failed: 3, outcome: "rolled_back", reason: "…"),
                labels: ["site": "north"], desiredConfiguration: 3,
                release: ReleaseStatus(
                    running: "0.2.0", failed: "0.3.0", outcome: "rolled_back",
                    reason: "it exited with status 3 before it was confirmed",
                    download: .init(version: "0.3.1", received: 1_048_576, size: 61_234_567)))
            var fresh = record
            (fresh.lastSeen, fresh.agentVersion, fresh.latitude, fresh.longitude) = (nil, nil, nil, nil)
            fresh.budget = nil
            return [record, fresh].map { Self(GatewayOverview(record: $0, now: 3, silentAfter: .seconds(300))) }
        }
    }

    /// `GET /api/v1/gateways`: a page of the fleet, the number matched, and counts by state.
    package struct GatewayPage: APIDocument {
        package static let schema = "GatewayPage"
        package var gateways: [Gateway]
        package var total: Int
        package var counts: [String: Int]
        package var offset: Int
        @OmittedWhenNil package var nextOffset: Int?
        enum CodingKeys: String, CodingKey {
            case gateways, total, counts, offset, nextOffset = "next_offset"
        }
        package static var examples: [Self] {
            [
                Self(
                    gateways: Gateway.examples, total: 3, counts: ["total": 3, "online": 2], offset: 0, nextOffset: 2),
                Self(gateways: [], total: 0, counts: ["total": 0], offset: 0, nextOffset: nil),
            ]
        }
    }

    /// `GET /api/v1/gateways/{gateway}`.
    package struct GatewayAnswer: APIDocument {
        package static let schema = "GatewayAnswer"
        package var gateway: Gateway
        package static var examples: [Self] { Gateway.examples.map { Self(gateway: $0) } }
    }

    /// `GET /api/v1/gateways/{gateway}/series`: its series, with the newest value of each that has one.
    package struct GatewaySeriesList: APIDocument {
        package static let schema = "GatewaySeriesList"
        package struct Latest: Encodable, Sendable {
            package var time: Int64
            package var value: Double
            package var good: Bool
        }
        package struct Series: Encodable, Sendable {
            package var name, unit, kind: String
            package var resolution: String?
            @OmittedWhenNil package var latest: Latest?
        }
        package var gateway: String
        package var series: [Series]
        package static var examples: [Self] {
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
    package struct LatestList: APIDocument {
        package static let schema = "LatestList"
        package struct Reading: Encodable, Sendable {
            package var series, unit: String
            package var time: Int64
            package var value: Double
            package var good: Bool
            init(_ reading: LatestReading) {
                (series, unit, time, value, good) =
                    (reading.series.name, reading.unit, reading.timestamp, reading.value, reading.good)
            }
        }
        package var gateway: String
        package var latest: [Reading]
        package static var examples: [Self] {
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
    package struct GatewayHealth: APIDocument {
        package static let schema = "GatewayHealth"
        package struct Point: Encodable, Sendable {
            package var point: HealthPoint
            package func encode(to encoder: any Encoder) throws {
                var row = encoder.unkeyedContainer()
                try row.encode(point.time)
                try row.encode(point.online)
                try row.encode(point.backlogReadings)
            }
        }
        package var gateway: String
        package var from, to: Int64
        package var points: [Point]
        package static var examples: [Self] {
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
    package struct GatewayEnrolled: APIDocument {
        package static let schema = "GatewayEnrolled"
        package var enrolled: String
        package static var examples: [Self] { [Self(enrolled: "gw-1")] }
    }

    /// `POST /api/v1/gateways/{gateway}/revoke`.
    package struct GatewayRevoked: APIDocument {
        package static let schema = "GatewayRevoked"
        package var revoked: String
        package static var examples: [Self] { [Self(revoked: "gw-1")] }
    }
}

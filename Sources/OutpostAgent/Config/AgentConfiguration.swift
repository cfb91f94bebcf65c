import OutpostConfig
import OutpostDevices
import OutpostModbus
import OutpostSerial

/// Everything `/etc/outpost/agent.toml` says, parsed and checked once at start-up: addresses
/// parsed, profiles resolved, durations as `Duration`, modes as enums.
package struct AgentConfiguration: Sendable {
    /// Who the gateway is and where it keeps its state.
    package var gateway: Gateway
    /// Where batches go.
    package var uplink: Uplink
    /// How much may be buffered and what happens at the limit.
    package var buffer: Buffer
    /// Modbus devices.
    package var modbus: [ModbusDevice]
    /// GPIO chips and their lines.
    package var gpio: [GPIOInput]
    /// Serial line devices.
    package var serial: [SerialInput]
    /// Pre-aggregation, first matching rule wins; series matching none are sent raw.
    package var aggregation: [AggregationRule]

    /// The gateway's identity and state folder.
    package struct Gateway: Sendable, Hashable {
        /// The gateway id: letters, digits, `-` and `_`, as in the client certificate's CN.
        package var id: String
        /// Where the outbox and state live (default `/var/lib/outpost`).
        package var dataDirectory: String
    }

    /// The MQTT uplink.
    package struct Uplink: Sendable, Hashable {
        /// `mqtt://host:port` or `mqtts://host:port` (TLS).
        package var broker: BrokerAddress
        /// The CA that signed the broker's certificate (PEM).
        package var caFile: String?
        /// The gateway's client certificate (PEM).
        package var certificateFile: String?
        /// The client certificate's private key (PEM).
        package var keyFile: String?
        /// The key batch frames are signed with (PEM, P-256).
        package var signingKeyFile: String
        /// A batch is sealed at this many readings…
        package var batchMaxReadings: Int
        /// …or when its oldest reading is this old.
        package var batchMaxAge: Duration
        /// Batches published and not yet acknowledged, at most.
        package var inFlight: Int
        /// A batch not acknowledged within this is sent again.
        package var ackTimeout: Duration
        /// MQTT keepalive.
        package var keepalive: Duration
        /// How often the status is published (retained) while connected.
        package var statusInterval: Duration
        /// Reconnect attempts start 1-3 s apart and double up to this.
        package var reconnectMaximum: Duration
        /// Backfill budget in bytes per second; nil for none.
        package var bandwidthLimit: Int64?
        /// When to publish the latest values on the live topic.
        package var live: LiveMode
        /// The fleet key's public half (PEM): what the hub's documents (watch) are checked with.
        package var hubKeyFile: String?
        /// Bytes the link may carry per day or per month; nil for no limit.
        package var dataBudget: DataBudget.Limit?
        /// The release key's public half (PEM): what agent releases are checked with; without
        /// it, no release is installed or started.
        package var releaseKeyFile: String?

        /// Batches are sealed every 5 minutes, or at 50,000 readings: what a metered link can
        /// afford (at 100 readings a second, 1.6 bytes a reading with the status and keepalives,
        /// BENCHMARKS.md "What a gateway costs on its link"). The store and the hub's detectors
        /// see a reading up to 5 minutes after it was taken; live values on demand show it at
        /// once. Sites on fixed lines set `batch_max_age = "10s"`.
        package static let defaultBatchMaxAge: Duration = .seconds(300)
        package static let defaultBatchMaxReadings = 50_000

        /// Creates uplink settings with the documented defaults for what is not given.
        package init(
            broker: BrokerAddress, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
            signingKeyFile: String, batchMaxReadings: Int = Self.defaultBatchMaxReadings,
            batchMaxAge: Duration = Self.defaultBatchMaxAge,
            inFlight: Int = 8, ackTimeout: Duration = .seconds(30), keepalive: Duration = .seconds(30),
            reconnectMaximum: Duration = .seconds(60), bandwidthLimit: Int64? = nil, live: LiveMode = .always,
            hubKeyFile: String? = nil, statusInterval: Duration = .seconds(30), dataBudget: DataBudget.Limit? = nil,
            releaseKeyFile: String? = nil
        ) {
            self.broker = broker
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.signingKeyFile = signingKeyFile
            self.batchMaxReadings = batchMaxReadings
            self.batchMaxAge = batchMaxAge
            self.inFlight = inFlight
            self.ackTimeout = ackTimeout
            self.keepalive = keepalive
            self.reconnectMaximum = reconnectMaximum
            self.bandwidthLimit = bandwidthLimit
            self.live = live
            self.hubKeyFile = hubKeyFile
            self.statusInterval = statusInterval
            self.dataBudget = dataBudget
            self.releaseKeyFile = releaseKeyFile
        }
    }

    /// A broker address.
    package typealias BrokerAddress = OutpostConfig.BrokerAddress

    /// The outbox's limits.
    package struct Buffer: Sendable, Hashable {
        /// What to do when the outbox reaches its quota.
        package enum Policy: String, Sendable, Hashable, CaseIterable {
            /// Delete the oldest unsent batches.
            case dropOldest = "drop_oldest"
            /// Replace the oldest raw data by 1-minute min/max/mean/count.
            case degrade
            /// Stop taking readings until there is room again.
            case pauseSources = "pause_sources"
        }

        /// Bytes the outbox may hold (default 256 MB).
        package var quota: Int64
        /// The policy at the quota (default `degrade`).
        package var policy: Policy
        /// How often readings are committed to storage (default 1 s): what a power cut can take.
        package var commitInterval: Duration
    }

    /// One Modbus device.
    package struct ModbusDevice: Sendable {
        /// The device's name: the prefix of its series.
        package var name: String
        /// Where it is.
        package var endpoint: ModbusEndpoint
        /// Its settings (unit, timeout, retries, backoff).
        package var settings: ModbusPoller.Settings
        /// Its points (from the profile, or inline).
        package var points: [DevicePoint]
        /// The profile's request limit.
        package var maxRegisters: Int
        /// Register ranges never to be read.
        package var forbidden: [ClosedRange<Int>]
        /// How often it is polled.
        package var interval: Duration
    }

    /// One GPIO chip's lines.
    package struct GPIOInput: Sendable {
        /// The input's name (in logs).
        package var name: String
        /// The chip: label, name, number or path.
        package var chip: String
        /// The lines.
        package var lines: [GPIOSource.Line]
        /// The interval of level samples and pulse counts.
        package var interval: Duration
    }

    /// One serial line device.
    package struct SerialInput: Sendable {
        /// The source settings (name, line, format, field map).
        package var settings: SerialLineSource.Settings
    }

    /// The sources named in this configuration, with the series each produces when known ahead.
    package var sourceNames: [String] {
        modbus.map { "modbus.\($0.name)" } + gpio.map { "gpio.\($0.name)" }
            + serial.map { "serial.\($0.settings.name)" }
    }
}

extension AgentConfiguration {
    /// What `outpost-agent check` prints for a usable configuration.
    package var summary: String {
        var lines = ["configuration ok: gateway \(gateway.id), data in \(gateway.dataDirectory)"]
        lines.append(
            "uplink \(uplink.broker)\(uplink.certificateFile == nil ? "" : " with a client certificate"), "
                + "batches of up to \(uplink.batchMaxReadings) readings or \(uplink.batchMaxAge.configurationText)")
        lines.append(
            "buffer \(buffer.quota / 1_000_000) MB, policy \(buffer.policy.rawValue), commit every \(buffer.commitInterval.configurationText)"
        )
        for device in modbus {
            lines.append(
                "modbus \(device.name): \(device.endpoint) unit \(device.settings.unit), \(device.points.count) points every \(device.interval.configurationText)"
            )
        }
        for input in gpio {
            lines.append(
                "gpio \(input.name): chip \(input.chip), \(input.lines.count) lines every \(input.interval.configurationText)"
            )
        }
        for input in serial {
            lines.append("serial \(input.settings.name): \(input.settings.line)")
        }
        if !aggregation.isEmpty { lines.append("\(aggregation.count) aggregation rule(s)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

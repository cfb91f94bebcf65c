import OutpostDevices
import OutpostModbus
import OutpostSystem
import OutpostWire
import Synchronization

/// Reads every point of one Modbus device per poll: the requests planned once at start-up, each
/// retried on retryable errors, failures turned into bad-quality readings, and a backoff that
/// stops hammering a device that does not answer until it may have come back.
///
/// One poller per device; devices on one RTU bus share the `ModbusBus`, which serialises them.
package final class ModbusPoller: Sendable {
    /// Settings of one device.
    package struct Settings: Sendable {
        /// The unit id.
        package var unit: UInt8
        /// How long to wait for each answer.
        package var timeout: Duration
        /// Extra attempts per request after a retryable error.
        package var retries: Int
        /// The reconnect backoff after a poll where the device did not answer at all.
        package var backoff: Backoff

        /// Creates settings; defaults: 1 s timeout, 1 retry, backoff 1 s doubling to 60 s.
        package init(unit: UInt8, timeout: Duration = .seconds(1), retries: Int = 1, backoff: Backoff = Backoff()) {
            self.unit = unit
            self.timeout = timeout
            self.retries = retries
            self.backoff = backoff
        }
    }

    /// What one poll found.
    package struct Outcome: Sendable {
        /// One reading per point, in profile order.
        package var readings: [PointReading]
        /// The errors met, one per failed request (after retries).
        package var errors: [ModbusError]
        /// True when the poll was not attempted because the device is in backoff.
        package var skippedForBackoff: Bool
    }

    /// Quality code of readings skipped while the device is in backoff.
    package static let backoffQualityCode: UInt8 = SourceQuality.backoff.code

    private let bus: ModbusBus
    private let settings: Settings
    private let points: [DevicePoint]
    private let requests: [ReadRequest]
    /// The device's backoff; polls of one poller do not overlap, the mutex makes sure.
    private let backoff: Mutex<Backoff>

    /// Creates a poller for `points` of the device at `settings.unit` on `bus`.
    package init(
        bus: ModbusBus, points: [DevicePoint], settings: Settings, maxRegisters: Int = 125,
        forbidden: [ClosedRange<Int>] = []
    ) {
        self.bus = bus
        self.settings = settings
        self.points = points
        requests = RequestPlanner.plan(points, maxRegisters: maxRegisters, forbidden: forbidden)
        backoff = Mutex(settings.backoff)
    }

    /// The requests a poll makes.
    package var plannedRequests: [ReadRequest] { requests }

    /// Reads every point once; skipped while the device is in backoff, unless `ignoringBackoff`
    /// (a probe asked for remotely: someone wants to see the device answer now).
    package func poll(ignoringBackoff: Bool = false) async -> Outcome {
        let now = ContinuousClock.now
        guard ignoringBackoff || backoff.withLock({ $0.mayAttempt(at: now) }) else {
            let quality = Quality(.bad, code: Self.backoffQualityCode)
            return Outcome(
                readings: points.map { PointReading(point: $0.name, value: .nan, quality: quality) }, errors: [],
                skippedForBackoff: true)
        }
        var byName: [String: PointReading] = [:]
        var errors: [ModbusError] = []
        var anyAnswer = false
        for request in requests {
            switch await read(request) {
            case .success(let raw):
                anyAnswer = true
                for point in request.points {
                    let slice = request.slice(of: point, in: raw)
                    byName[point.name] = PointReading(
                        point: point.name, value: point.codec.decode(slice), quality: .good, raw: Array(slice))
                }
            case .failure(let error):
                if error.code.exceptionCode != nil { anyAnswer = true }
                errors.append(error)
                for point in request.points {
                    byName[point.name] = PointReading(
                        point: point.name, value: .nan, quality: Quality(.bad, code: error.qualityCode))
                }
            }
        }
        let answered = anyAnswer
        let jitter = Double.random(in: 0..<1)
        backoff.withLock { backoff in
            if answered {
                backoff.recordSuccess()
            } else {
                backoff.recordFailure(at: ContinuousClock.now, random: jitter)
            }
        }
        return Outcome(readings: points.compactMap { byName[$0.name] }, errors: errors, skippedForBackoff: false)
    }

    private func read(_ request: ReadRequest) async -> Result<[UInt16], ModbusError> {
        let unit = settings.unit
        let timeout = settings.timeout
        var attempt = 0
        while true {
            do throws(ModbusError) {
                let raw = try await bus.perform { context throws(ModbusError) -> [UInt16] in
                    try context.setUnit(unit)
                    context.setResponseTimeout(timeout)
                    let address = UInt16(request.address)
                    switch request.function {
                    case .holding: return try context.readHoldingRegisters(address: address, count: request.count)
                    case .input: return try context.readInputRegisters(address: address, count: request.count)
                    case .coil: return try context.readCoils(address: address, count: request.count).map { $0 ? 1 : 0 }
                    case .discrete:
                        return try context.readDiscreteInputs(address: address, count: request.count).map { $0 ? 1 : 0 }
                    }
                }
                return .success(raw)
            } catch {
                attempt += 1
                if !error.isRetryable || attempt > settings.retries { return .failure(error) }
            }
        }
    }
}

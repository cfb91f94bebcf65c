import OutpostAgent
import OutpostDevices
import OutpostModbus

#if canImport(Glibc)
    import Glibc
#endif

/// Modbus TCP polling cost over loopback against `outpost-sim`: how many registers a gateway can
/// read per second and how much CPU each thousand costs it, for a whole device profile polled the
/// way the agent polls it, and for back-to-back reads of one full 125-register block.
package struct PollBenchmark {
    /// What one case measured.
    package struct Figures: Codable, Sendable {
        /// What was read.
        package var name: String
        /// Requests per poll.
        package var requestsPerPoll: Int
        /// Registers (or bits) per poll.
        package var registersPerPoll: Int
        /// Polls made.
        package var polls: Int
        /// Polls per second.
        package var pollsPerSecond: Double
        /// Registers per second.
        package var registersPerSecond: Double
        /// The client's CPU time (user + system) per 1,000 registers, in microseconds.
        package var cpuMicrosecondsPer1000Registers: Double

        enum CodingKeys: String, CodingKey {
            case name, polls
            case requestsPerPoll = "requests_per_poll"
            case registersPerPoll = "registers_per_poll"
            case pollsPerSecond = "polls_per_s"
            case registersPerSecond = "registers_per_s"
            case cpuMicrosecondsPer1000Registers = "cpu_us_per_1000_registers"
        }
    }

    /// The profile whose full poll is measured.
    package let profile: DeviceProfile
    /// How long each case runs.
    package let duration: Duration

    /// Creates the benchmark.
    package init(profile: DeviceProfile, duration: Duration) {
        self.profile = profile
        self.duration = duration
    }

    /// Runs both cases against the simulator at `url`.
    package func run(url: String) async throws -> [Figures] {
        let endpoint = try ModbusEndpoint(parsing: url)
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: endpoint), points: profile.points,
            settings: .init(unit: profile.defaultUnit, retries: 0), maxRegisters: profile.maxRegistersPerRequest,
            forbidden: profile.forbidden)
        let registers = poller.plannedRequests.reduce(0) { $0 + $1.count }
        let profileCase = try await measure(
            name: "\(profile.name) profile poll", requests: poller.plannedRequests.count, registers: registers
        ) {
            let outcome = await poller.poll()
            if let error = outcome.errors.first { throw error }
        }
        let block = PollBlock(bus: try ModbusBus(endpoint: endpoint), unit: profile.defaultUnit)
        let blockCase = try await measure(name: "125 holding registers per request", requests: 1, registers: 125) {
            try await block.read()
        }
        return [profileCase, blockCase]
    }

    private func measure(
        name: String, requests: Int, registers: Int, _ poll: () async throws -> Void
    ) async throws -> Figures {
        for _ in 0..<20 { try await poll() }  // warm up: connection, caches
        let cpuStart = Self.cpuSeconds()
        let start = ContinuousClock.now
        var polls = 0
        while ContinuousClock.now - start < duration {
            try await poll()
            polls += 1
        }
        let elapsed = ContinuousClock.now - start
        let cpu = Self.cpuSeconds() - cpuStart
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let total = Double(polls * registers)
        return Figures(
            name: name, requestsPerPoll: requests, registersPerPoll: registers, polls: polls,
            pollsPerSecond: Double(polls) / seconds, registersPerSecond: total / seconds,
            cpuMicrosecondsPer1000Registers: cpu * 1e6 / total * 1000)
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Back-to-back reads of one full block on one bus.
private struct PollBlock {
    let bus: ModbusBus
    let unit: UInt8

    func read() async throws {
        let unit = self.unit
        _ = try await bus.perform { context throws(ModbusError) in
            try context.setUnit(unit)
            return try context.readHoldingRegisters(address: 0, count: 125)
        }
    }
}

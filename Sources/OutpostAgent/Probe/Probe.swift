import OutpostDevices
import OutpostModbus
import OutpostWire

/// What `outpost-agent probe` does, for a technician on site: read every point of a profile
/// once, or read raw registers and list the interpretations that match the device's display.
package enum Probe {
    /// Reads every point of `profile` from the device at `endpoint`, unit `unit`.
    package static func readProfile(endpoint: ModbusEndpoint, unit: UInt8, profile: DeviceProfile, timeout: Duration)
        async throws(ModbusError) -> [PointReading]
    {
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: endpoint), points: profile.points,
            settings: .init(unit: unit, timeout: timeout, retries: 1), maxRegisters: profile.maxRegistersPerRequest,
            forbidden: profile.forbidden)
        return await poller.poll().readings
    }

    /// Reads `count` registers of `function` at `address` (and the one before, to test a 1-based
    /// numbering) and returns the raw registers, the first address read, and the candidates.
    package static func search(
        endpoint: ModbusEndpoint, unit: UInt8, function: ModbusFunction, address: Int, count: Int, expected: Double,
        timeout: Duration
    ) async throws(ModbusError) -> (registers: [UInt16], firstAddress: Int, candidates: [RegisterSearch.Candidate]) {
        let first = max(0, address - 1)
        let total = min(125, count + (address - first))
        let bus = try ModbusBus(endpoint: endpoint)
        let registers = try await bus.perform { context throws(ModbusError) -> [UInt16] in
            try context.setUnit(unit)
            context.setResponseTimeout(timeout)
            return function == .input
                ? try context.readInputRegisters(address: UInt16(first), count: total)
                : try context.readHoldingRegisters(address: UInt16(first), count: total)
        }
        let candidates = RegisterSearch.candidates(
            registers: registers, firstAddress: first, askedAddress: address, expected: expected)
        return (registers, first, candidates)
    }
}

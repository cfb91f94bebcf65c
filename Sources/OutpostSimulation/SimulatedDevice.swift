import OutpostDevices
import OutpostModbus

#if canImport(Glibc)
    import Glibc
#endif

/// A device that answers like the real one its profile describes: realistic values (slow drift,
/// a daily cycle, noise at the profile's resolution; settings unchanged), scripted faults,
/// deterministic for a seed.
///
/// Values are a pure function of the seed, the point and the time since start, so two runs with
/// the same seed serve the same readings at the same moments.
package struct SimulatedDevice: Sendable {
    /// The profile served.
    package let profile: DeviceProfile
    /// The unit id answered (others are ignored on RTU and answered on TCP, like a gateway).
    package let unit: UInt8
    /// The seed of the value model.
    package let seed: UInt64
    /// The faults.
    package let scenario: Scenario
    /// The wall-clock time (seconds since the epoch) the daily cycle is anchored to.
    package let epochOffset: Double

    /// Creates a device.
    package init(
        profile: DeviceProfile, unit: UInt8? = nil, seed: UInt64 = 1, scenario: Scenario = .none,
        epochOffset: Double = 0
    ) {
        self.profile = profile
        self.unit = unit ?? profile.defaultUnit
        self.seed = seed
        self.scenario = scenario
        self.epochOffset = epochOffset
    }

    /// The value of `point` at `elapsed` since the start, faults included.
    package func value(of point: DevicePoint, at elapsed: Duration) -> Double {
        var time = elapsed
        for fault in scenario.faults
        where fault.kind == .stuck && fault.affects(point.name) && fault.isActive(at: elapsed) {
            time = fault.at
        }
        var value = baseValue(of: point, at: time)
        for fault in scenario.faults where fault.affects(point.name) && fault.isActive(at: elapsed) {
            switch fault.kind {
            case .spike, .step:
                value += fault.magnitude
            case .drift:
                let length = fault.duration.map(seconds) ?? 3600
                value += fault.magnitude * min(1, seconds(elapsed - fault.at) / max(length, 1))
            case .noise:
                let index = UInt64(profile.points.firstIndex(of: point) ?? 0)
                value +=
                    (unit(hash(seed, index, 0x6E6F_6973_6500 &+ tick(seconds(elapsed)))) - 0.5) * 2 * fault.magnitude
            case .stuck, .slow, .exception, .silence:
                break
            }
        }
        return quantised(value, point)
    }

    /// What the device does with `request` at `elapsed`: the answer and how long it takes.
    package func respond(to request: ModbusRequest, at elapsed: Duration) -> (response: ModbusResponse, delay: Duration)
    {
        var delay = Duration.zero
        for fault in scenario.faults where fault.isActive(at: elapsed) {
            switch fault.kind {
            case .silence: return (.silence, .zero)
            case .exception: return (.exception(fault.code), .zero)
            case .slow: delay = max(delay, fault.delay)
            default: break
            }
        }
        guard let function = ModbusFunction.allCases.first(where: { $0.code == request.function }) else {
            return (.exception(1), delay)
        }
        let range = request.address..<(request.address + request.count)
        if !function.isBitTable,
            profile.forbidden.contains(where: { $0.overlaps(request.address...(range.upperBound - 1)) })
        {
            return (.exception(2), delay)
        }
        let points = profile.points.filter { $0.function == function && $0.addresses.overlaps(range) }
        if function.isBitTable {
            var bits = [Bool](repeating: false, count: request.count)
            for point in points { bits[point.address - request.address] = value(of: point, at: elapsed) != 0 }
            return (.bits(bits), delay)
        }
        var words = [UInt16](repeating: 0, count: request.count)
        for point in points {
            let encoded = point.codec.encode(value(of: point, at: elapsed))
            for (offset, word) in encoded.enumerated() {
                let index = point.address + offset - request.address
                guard range.contains(point.address + offset) else { continue }
                words[index] = point.codec.bit == nil ? word : words[index] | word
            }
        }
        return (.registers(words), delay)
    }

    private func baseValue(of point: DevicePoint, at elapsed: Duration) -> Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let index = UInt64(profile.points.firstIndex(of: point) ?? 0)
        let limits = point.limits ?? 0...100
        let span = limits.upperBound - limits.lowerBound
        let phase = unit(hash(seed, index, 1)) * 2 * Double.pi
        let wall = seconds + epochOffset
        if point.isSetting {
            // A setting stays as it was set: one value for the seed, within the range.
            let step = point.resolution?.step ?? 1
            return limits.lowerBound + (span / step * unit(hash(seed, index, 7))).rounded(.down) * step
        }
        switch point.kind {
        case .counter:
            // A steady consumer: a few resolution steps a second, from a start well above zero.
            let step = point.resolution?.step ?? 1
            let start = max(limits.lowerBound, 0) + step * 10_000 * (1 + unit(hash(seed, index, 2)))
            let rate = step * (0.5 + 2 * unit(hash(seed, index, 3)))
            return min(start + rate * seconds, limits.upperBound)
        case .state:
            let states = max(1, Int(span.rounded()) + 1)
            let slot = tick(seconds / 600)
            return limits.lowerBound + Double(Int(hash(seed, index, 4 &+ slot) % UInt64(states)))
        case .gauge:
            let middle = limits.lowerBound + span * (0.35 + 0.3 * unit(hash(seed, index, 5)))
            let daily = 0.1 * span * sin(2 * Double.pi * wall / 86_400 + phase)
            let drift = 0.02 * span * sin(2 * Double.pi * seconds / 1_800 + phase * 2)
            let step = point.resolution?.step ?? span * 1e-4
            let noise = (unit(hash(seed, index, 6 &+ tick(seconds))) - 0.5) * 2 * step
            return min(max(middle + daily + drift + noise, limits.lowerBound), limits.upperBound)
        }
    }

    private func quantised(_ value: Double, _ point: DevicePoint) -> Double {
        if point.codec.bit != nil || point.codec.type == .bool || point.kind == .state { return value.rounded() }
        guard let step = point.resolution?.step else { return value }
        return (value / step).rounded() * step
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The whole second (or slot) `value` falls in, as hash input: before the start too, so a
    /// history before it (`outpost-sim history`) has noise of its own rather than one value.
    private func tick(_ value: Double) -> UInt64 {
        guard value.isFinite else { return 0 }
        return UInt64(bitPattern: Int64(min(max(value.rounded(.down), -9e18), 9e18)))
    }

    private func unit(_ bits: UInt64) -> Double { Double(bits >> 11) / Double(1 << 53) }

    private func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xC2B2_AE3D_27D4_EB4F ^ c &* 0x1656_67B1_9E37_79F9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

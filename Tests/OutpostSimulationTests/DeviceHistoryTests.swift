import OutpostDevices
import OutpostModbus
import OutpostSimulation
import OutpostTestSupport
import Testing

@Suite("The simulator's past: what `outpost-sim history` writes runs on into what the device serves")
struct DeviceHistoryTests {
    let profile: DeviceProfile

    init() throws {
        profile = try ProfileLibrary(folders: [packageRoot() + "/hardware"]).profile(named: "xy-md02")
    }

    @Test("A setting (unit id, correction) is one value before and after the start, and it is what the registers hold")
    func settingsStay() throws {
        let device = SimulatedDevice(profile: profile, seed: 1)
        for name in ["device_address", "temperature_correction"] {
            let point = try #require(profile.points.first { $0.name == name })
            #expect(point.isSetting)
            let values = Set([-3_600, -1, 0, 599, 601, 86_400].map { device.value(of: point, at: .seconds($0)) })
            #expect(values.count == 1, "\(name): \(values)")
            let limits = try #require(point.limits)
            #expect(values.allSatisfy { limits.contains($0) })
            let request = ModbusRequest(unit: 1, function: 3, address: point.address, count: point.span)
            guard case .registers(let words) = device.respond(to: request, at: .seconds(5)).response else {
                Issue.record("\(name): no registers served")
                continue
            }
            #expect(point.codec.decode(words) == device.value(of: point, at: .seconds(5)))
        }
    }

    @Test(
        "A gauge runs on across the start: the last second of the past and the first served are a few steps apart, and the past has noise of its own"
    )
    func gaugesRunOn() throws {
        let device = SimulatedDevice(profile: profile, seed: 1)
        let point = try #require(profile.points.first { $0.name == "temperature" })
        let step = try #require(point.resolution?.step)
        #expect(abs(device.value(of: point, at: .seconds(-1)) - device.value(of: point, at: .zero)) <= 3 * step)
        let past = (1...600).map { device.value(of: point, at: .seconds(-$0)) }
        #expect(Set(past).count > 10, "the past moves like the present")
    }
}

import OutpostAgent
import OutpostGPIO
import OutpostMQTT
import OutpostModbus
import Testing

@Suite("C libraries are linked")
struct NativeLibraryTests {
    @Test("libmosquitto reports a 2.x version")
    func mosquitto() {
        #expect(MosquittoLibrary.version.hasPrefix("2."))
    }

    @Test("libmodbus headers are 3.1 or later")
    func modbus() throws {
        let parts = ModbusLibrary.version.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3)
        #expect(parts[0] > 3 || (parts[0] == 3 && parts[1] >= 1))
    }

    @Test("libgpiod reports a version that matches the API this build chose")
    func gpiod() {
        let version = GPIOLibrary.version
        #expect(version.first == (GPIOLibrary.isVersion2API ? "2" : "1"))
    }

    @Test("The agent's version line names all three")
    func summary() {
        let summary = NativeLibraries.summary
        #expect(summary.contains("libmosquitto") && summary.contains("libmodbus") && summary.contains("libgpiod"))
    }
}

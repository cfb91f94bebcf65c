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

@Suite("libgpiod errors")
struct GPIOErrorTests {
    @Test("Opening a chip that does not exist says so, naming the chip")
    func missingChip() {
        #expect { try GPIOChip("gpiochip97") } throws: { error in
            guard let error = error as? GPIOError else { return false }
            return error.errno == 2
                && error.description.hasPrefix("gpio gpiochip97: no GPIO chip 'gpiochip97' on this board")
        }
        #expect(throws: GPIOError.self) { try GPIOChip("/dev/no-such-gpiochip") }
    }

    @Test(
        "A real chip reads a line level",
        .enabled(if: (0..<8).contains { (try? GPIOChip("gpiochip\($0)")) != nil }, "needs a /dev/gpiochip*"))
    func realChip() throws {
        let chip = try GPIOChip("gpiochip0")
        #expect(chip.lineCount > 0)
        #expect(throws: GPIOError.self) { try chip.readLevel(line: chip.lineCount) }
    }
}

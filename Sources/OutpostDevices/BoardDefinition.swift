import OutpostConfig

/// A board's GPIO lines by header pin, and its serial ports: `hardware/boards/NAME.toml`.
package struct BoardDefinition: Sendable, Hashable {
    /// One GPIO line reachable on a header pin.
    package struct Line: Sendable, Hashable {
        /// The header pin: `11` on a Raspberry Pi, `P8_12` on a BeagleBone.
        package var pin: String
        /// The GPIO chip, by label or name (`pinctrl-bcm2711`, `gpiochip1`).
        package var chip: String
        /// The line offset on that chip.
        package var line: Int
        /// The line's usual name: `GPIO17`.
        package var name: String
    }

    /// One serial port.
    package struct SerialPort: Sendable, Hashable {
        /// The device path.
        package var device: String
        /// A short name: `UART1`, `COM1`.
        package var name: String
        /// Where its signals are.
        package var pins: String
    }

    /// The board's name.
    package var name: String
    /// The document the pin map follows.
    package var source: String
    /// The GPIO lines.
    package var lines: [Line]
    /// The serial ports.
    package var serialPorts: [SerialPort]

    /// Reads and checks a board definition: pins and chip lines unique, sources named.
    package init(toml text: String, file: String) throws(ConfigError) {
        let document = try TOMLDocument(text: text, file: file)
        let top = document.top
        try top.rejectUnknownKeys(["board", "gpio", "serial"])
        guard let board = try top.section("board") else { throw top.error("board", "missing [board] table") }
        try board.rejectUnknownKeys(["name", "description", "source", "notes"])
        name = try board.requiredString("name")
        source = try board.requiredString("source")
        lines = []
        var pins = Set<String>()
        var chipLines = Set<String>()
        for section in try top.sections("gpio") {
            try section.rejectUnknownKeys(["pin", "chip", "line", "name", "notes"])
            let pin = try section.stringOrInteger("pin") ?? ""
            guard !pin.isEmpty else { throw section.error("pin", "missing; the header pin is required") }
            let line = Line(
                pin: pin, chip: try section.requiredString("chip"), line: try section.requiredInt("line"),
                name: try section.requiredString("name"))
            guard line.line >= 0 else { throw section.error("line", "a line offset is 0 or more") }
            guard pins.insert(pin).inserted else { throw section.error("pin", "pin \(pin) appears twice") }
            guard chipLines.insert("\(line.chip):\(line.line)").inserted else {
                throw section.error("line", "\(line.chip) line \(line.line) appears twice")
            }
            lines.append(line)
        }
        serialPorts = []
        for section in try top.sections("serial") {
            try section.rejectUnknownKeys(["device", "name", "pins", "notes"])
            let device = try section.requiredString("device")
            guard device.hasPrefix("/dev/") else { throw section.error("device", "'\(device)' is not a /dev path") }
            serialPorts.append(
                SerialPort(
                    device: device, name: try section.requiredString("name"), pins: try section.string("pins") ?? ""))
        }
    }
}

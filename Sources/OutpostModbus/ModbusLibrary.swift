import CModbus

/// Process-wide facts about the linked libmodbus.
package enum ModbusLibrary {
    /// The version of the libmodbus headers this build compiled against, `major.minor.micro`.
    package static var version: String {
        "\(outpost_modbus_version_major()).\(outpost_modbus_version_minor()).\(outpost_modbus_version_micro())"
    }
}

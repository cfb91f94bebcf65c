import OutpostGPIO
import OutpostMQTT
import OutpostModbus

/// The versions of the C libraries the agent is linked with, for `--version` and the status topic.
package enum NativeLibraries {
    /// `libmosquitto 2.0.11, libmodbus 3.1.6, libgpiod 1.6.3`.
    package static var summary: String {
        "libmosquitto \(MosquittoLibrary.version), libmodbus \(ModbusLibrary.version), libgpiod \(GPIOLibrary.version)"
    }
}

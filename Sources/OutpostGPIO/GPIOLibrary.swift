import CGPIOD

/// Process-wide facts about the linked libgpiod.
package enum GPIOLibrary {
    /// The version of the linked library as it reports itself (`1.6.3` on Debian 12).
    package static var version: String {
        guard let text = gpiod_version_string() else { return "unknown" }
        return String(cString: text)
    }

    /// Whether this build uses the libgpiod 2.x API (1.x otherwise).
    package static var isVersion2API: Bool { OUTPOST_GPIOD_V2 != 0 }
}

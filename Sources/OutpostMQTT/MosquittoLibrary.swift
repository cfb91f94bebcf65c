import CMosquitto

/// Process-wide facts about the linked libmosquitto.
package enum MosquittoLibrary {
    /// The version of the linked library, `major.minor.revision`.
    package static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        mosquitto_lib_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }

    private static let initialised: Bool = {
        mosquitto_lib_init()
        return true
    }()

    /// Initialises libmosquitto once per process (idempotent; the first client calls it too).
    package static func initialise() {
        _ = initialised
    }
}

/// The identity of one boot of a gateway (Linux `/proc/sys/kernel/random/boot_id`), 16 bytes.
///
/// Monotonic clock readings are comparable only within one boot; the hub uses the boot id to
/// know which clock offset applies to a frame.
package struct BootID: Hashable, Sendable {
    /// The 16 bytes, in the order of the UUID's text form.
    package let bytes: [UInt8]

    /// Creates a boot id from 16 bytes; nil for any other length.
    package init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses the UUID text form, `8-4-4-4-12` hexadecimal digits, either case.
    package init?(parsing text: some StringProtocol) {
        let hex = String(text.filter { $0 != "-" })
        guard text.count == 36, hex.count == 32, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The all-zero id, for frames made where the boot id is not known.
    package static let zero = BootID(uncheckedBytes: [UInt8](repeating: 0, count: 16))

    private init(uncheckedBytes: [UInt8]) {
        bytes = uncheckedBytes
    }
}

extension BootID: CustomStringConvertible {
    /// The lowercase UUID text form.
    package var description: String {
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text += "-" }
            text += Hex.digits(byte)
        }
        return text
    }
}

/// The state of the gateway's wall clock when a frame was made.
package enum ClockState: UInt8, Sendable, CaseIterable {
    /// The agent could not tell.
    case unknown = 0
    /// Not synchronised (no NTP yet, no RTC): wall times may be far off; the hub corrects them.
    case unsynchronised = 1
    /// Synchronised by NTP, PTP or GPS.
    case synchronised = 2

    /// The name used in the JSON rendering.
    package var name: String {
        switch self {
        case .unknown: "unknown"
        case .unsynchronised: "unsynchronised"
        case .synchronised: "synchronised"
        }
    }

    /// Parses `name`.
    package init?(name: String) {
        guard let state = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = state
    }
}

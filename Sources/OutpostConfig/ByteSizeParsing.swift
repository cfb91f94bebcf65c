/// Parses sizes written as configuration values: `512MB`, `2GiB`, `64kB`, `1000B`, `1.5GB`. SI
/// prefixes are powers of 1000, binary ones (KiB, MiB, GiB) powers of 1024. A bare number is
/// refused: the unit must be explicit.
package func parseByteSize(_ text: String) -> Int64? {
    let units: [(String, Double)] = [
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("kB", 1000), ("KB", 1000), ("MB", 1e6),
        ("GB", 1e9), ("B", 1),
    ]
    let trimmed = text.trimmingWhitespace()
    let number = trimmed.prefix { $0.isNumber || $0 == "." }
    let unit = trimmed.dropFirst(number.count).drop { $0 == " " }
    guard let value = Double(number), let scale = units.first(where: { $0.0 == unit })?.1 else { return nil }
    let bytes = value * scale
    guard bytes.isFinite, bytes >= 0, bytes < 9e18 else { return nil }
    return Int64(bytes.rounded())
}

extension TOMLSection {
    /// A size such as `"512MB"`; nil when absent.
    package func byteSize(_ key: String) throws(ConfigError) -> Int64? {
        guard let text = try string(key) else {
            if has(key) { throw error(key, "expected a size in quotes, e.g. \"512MB\"") }
            return nil
        }
        guard let size = parseByteSize(text) else {
            throw error(key, "'\(text)' is not a size; use e.g. \"512MB\", \"2GiB\", \"64kB\"")
        }
        return size
    }
}

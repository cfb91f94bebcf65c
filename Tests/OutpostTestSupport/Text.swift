/// Small string helpers tests need without importing Foundation.
extension StringProtocol {
    /// The first range of `needle`, or nil.
    package func range(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }

    /// The text with every occurrence of `old` replaced by `new`.
    package func replacingOccurrences(_ old: String, _ new: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: old) {
            result += rest[..<range.lowerBound] + new
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    /// The text with the part from `start` up to the next `end` (inclusive) replaced.
    package func replacingSection(from start: String, to end: String, with replacement: String) -> String {
        guard let open = range(of: start), let close = self[open.upperBound...].range(of: end) else {
            return String(self)
        }
        return String(self[..<open.lowerBound]) + replacement + String(self[close.upperBound...])
    }
}

/// The package's root folder, found from a test source file's path (`…/Tests/<Target>/File.swift`).
package func packageRoot(_ filePath: String = #filePath) -> String {
    var path = Substring(filePath)
    while let slash = path.lastIndex(of: "/") {
        path = path[..<slash]
        if path.hasSuffix("/Tests") { return String(path.dropLast("/Tests".count)) }
    }
    return "."
}

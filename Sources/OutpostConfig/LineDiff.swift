/// The difference between two texts, line by line, in the unified form `diff -u` writes: what
/// `outpostctl config diff` prints and the dashboard shows between two configuration versions.
package enum LineDiff {
    /// The most cells the longest-common-subsequence table may have; beyond it (two long texts
    /// that differ throughout) the changed middle is shown as removed, then added.
    static let maxCells = 4_000_000

    /// `old` against `new` as unified diff hunks with `context` lines around each change, under
    /// `--- oldName` and `+++ newName`; empty when the texts are the same.
    package static func unified(
        _ old: String, _ new: String, oldName: String, newName: String, context: Int = 3
    ) -> String {
        let a = lines(old)
        let b = lines(new)
        guard a != b else { return "" }
        let edits = script(a, b)
        var out = "--- \(oldName)\n+++ \(newName)\n"
        var index = 0
        while index < edits.count {
            guard edits[index].kind != " " else {
                index += 1
                continue
            }
            // A hunk: from `context` lines before this change to `context` after the last change
            // that is at most 2 × context lines from the one before it.
            let start = max(0, index - context)
            var end = index
            var last = index
            while end < edits.count, end - last <= 2 * context {
                if edits[end].kind != " " { last = end }
                end += 1
            }
            end = min(edits.count, last + context + 1)
            let hunk = edits[start..<end]
            let oldStart = hunk.first?.oldLine ?? 0
            let newStart = hunk.first?.newLine ?? 0
            let oldCount = hunk.filter { $0.kind != "+" }.count
            let newCount = hunk.filter { $0.kind != "-" }.count
            out +=
                "@@ -\(oldStart + (oldCount > 0 ? 1 : 0)),\(oldCount) +\(newStart + (newCount > 0 ? 1 : 0)),\(newCount) @@\n"
            for edit in hunk { out += "\(edit.kind)\(edit.text)\n" }
            index = end
        }
        return out
    }

    struct Edit {
        var kind: Character
        var text: Substring
        /// Lines of the old and new text before this one.
        var oldLine: Int
        var newLine: Int
    }

    static func lines(_ text: String) -> [Substring] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The edit script: common lines kept, the rest removed then added.
    static func script(_ a: [Substring], _ b: [Substring]) -> [Edit] {
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        let x = Array(a[prefix..<(a.count - suffix)])
        let y = Array(b[prefix..<(b.count - suffix)])
        var edits: [Edit] = []
        var (i, j) = (0, 0)
        func add(_ kind: Character, _ text: Substring) {
            edits.append(Edit(kind: kind, text: text, oldLine: i, newLine: j))
            if kind != "+" { i += 1 }
            if kind != "-" { j += 1 }
        }
        for line in a[..<prefix] { add(" ", line) }
        if x.count * y.count > maxCells || x.isEmpty || y.isEmpty {
            for line in x { add("-", line) }
            for line in y { add("+", line) }
        } else {
            // lengths[p][q]: the longest common subsequence of x[p...] and y[q...].
            let width = y.count + 1
            var lengths = [Int32](repeating: 0, count: (x.count + 1) * width)
            for p in stride(from: x.count - 1, through: 0, by: -1) {
                for q in stride(from: y.count - 1, through: 0, by: -1) {
                    lengths[p * width + q] =
                        x[p] == y[q]
                        ? lengths[(p + 1) * width + q + 1] + 1
                        : max(lengths[(p + 1) * width + q], lengths[p * width + q + 1])
                }
            }
            var (p, q) = (0, 0)
            while p < x.count || q < y.count {
                if p < x.count, q < y.count, x[p] == y[q] {
                    add(" ", x[p])
                    (p, q) = (p + 1, q + 1)
                } else if q == y.count || (p < x.count && lengths[(p + 1) * width + q] >= lengths[p * width + q + 1]) {
                    add("-", x[p])
                    p += 1
                } else {
                    add("+", y[q])
                    q += 1
                }
            }
        }
        for line in a[(a.count - suffix)...] { add(" ", line) }
        return edits
    }
}

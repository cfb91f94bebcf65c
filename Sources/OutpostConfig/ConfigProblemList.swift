/// The problems found while reading one configuration, gathered so that a single `check` names
/// them all: each key is read on its own, and one that fails is recorded while the others are
/// still read. Only a value that depends on another (a unit id on a device's transport) waits
/// for it to be fixed.
///
/// Not `Sendable`: one reader fills it while loading, then it is let go.
package final class ConfigProblemList {
    /// The problems, in the order found.
    package private(set) var problems: [ConfigError] = []

    /// An empty list.
    package init() {}

    /// How many problems so far (to see whether a part added any).
    package var count: Int { problems.count }

    /// Records a problem.
    package func add(_ problem: ConfigError) { problems.append(problem) }

    /// Runs `body`; a `ConfigError` it throws is recorded, and nil returned.
    package func attempt<T>(_ body: () throws(ConfigError) -> T) -> T? {
        do throws(ConfigError) {
            return try body()
        } catch {
            problems.append(error)
            return nil
        }
    }
}

/// Every problem found in a configuration, each with file, line and key; thrown when there is
/// at least one, so a technician fixes them all in one go.
package struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    package var problems: [ConfigError]

    /// The problems, ordered by line.
    package init(problems: [ConfigError]) { self.problems = problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) } }

    package var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension TOMLDocument {
    /// Parses `text` for a reader that reports every problem: a syntax error is the one problem.
    package static func parse(_ text: String, file: String) throws(ConfigProblems) -> TOMLDocument {
        do throws(ConfigError) {
            return try TOMLDocument(text: text, file: file)
        } catch {
            throw ConfigProblems(problems: [error])
        }
    }
}

import OutpostConfig
import OutpostDevices

/// A gateway's remote configuration: the tables of `agent.toml` that say what to read and how
/// to keep it, set from the hub (fleet management). `/etc/outpost/agent.toml` stays the base;
/// each kind of table the overlay has replaces the base's tables of that kind:
///
/// - any of `[[modbus]]`, `[[gpio]]`, `[[serial]]`: the overlay's sources replace all the base's
///   (what to read is one list; `modbus = []` and the like say "none of this kind");
/// - `[[aggregate]]` (or `aggregate = []`): the overlay's rules replace the base's;
/// - `[buffer]`: replaces the base's, its absent keys at their defaults.
///
/// Identity, keys and the broker (`[gateway]`, `[uplink]`) are never set remotely: a push
/// cannot move a gateway to another broker or give it another name. Checked by the same table
/// readers as `agent.toml` itself, on the hub before it is accepted and on the agent before it
/// is applied (`outpost-agent check --remote`).
package struct RemoteOverlay: Sendable {
    /// The overlay's sources; nil keeps the base's.
    package var sources: Sources?
    /// The overlay's aggregation rules; nil keeps the base's.
    package var aggregation: [AggregationRule]?
    /// The overlay's buffer; nil keeps the base's.
    package var buffer: AgentConfiguration.Buffer?
    /// Where it came from, for messages: "remote configuration v3".
    package var file: String
    /// Its text, as received.
    package var text: String

    /// What an overlay reads from a device.
    package struct Sources: Sendable {
        package var modbus: [AgentConfiguration.ModbusDevice]
        package var gpio: [AgentConfiguration.GPIOInput]
        package var serial: [AgentConfiguration.SerialInput]
    }

    /// The largest overlay taken: it travels in one signed document.
    package static let maxBytes = 48 * 1024

    /// Reads and checks `text`; every problem is named by line and key, as `check` names them.
    package init(toml text: String, file: String, profiles: ProfileLibrary = ProfileLibrary()) throws(ConfigProblems) {
        guard text.utf8.count <= Self.maxBytes else {
            throw ConfigProblems(problems: [
                ConfigError(
                    file: file, line: nil, path: "",
                    message: "\(text.utf8.count) bytes; a remote configuration is at most \(Self.maxBytes)")
            ])
        }
        let top = try TOMLDocument.parse(text, file: file).top
        var problems: [ConfigError] = []
        for key in top.keys.sorted() where !AgentConfiguration.readingKeys.contains(key) {
            let why =
                ["gateway", "uplink"].contains(key)
                ? "[\(key)] stays in /etc/outpost/agent.toml on the gateway: identity, keys and the broker are never set remotely"
                : "unknown table '\(key)'; a remote configuration has \(AgentConfiguration.readingKeys.sorted().joined(separator: ", "))"
            problems.append(top.error(key, why))
        }
        for (index, section) in ((try? top.sections("modbus")) ?? []).enumerated() {
            if let name = (try? section.string("profile")) ?? nil, name.contains("/") {
                problems.append(
                    top.error(
                        "modbus[\(index)].profile",
                        "'\(name)' is a file on one machine; a remote configuration names a profile from hardware/devices"
                    ))
            }
        }
        let tables = AgentConfiguration.readingTables(top, profiles: profiles)
        problems += tables.problems
        let hasSources = ["modbus", "gpio", "serial"].contains { top.has($0) }
        if hasSources {
            problems += AgentConfiguration.sourceProblems(
                tables.modbus, tables.gpio, tables.serial, at: top, requiringOne: problems.isEmpty)
        }
        guard problems.isEmpty else { throw ConfigProblems(problems: problems) }
        (self.file, self.text) = (file, text)
        sources = hasSources ? Sources(modbus: tables.modbus, gpio: tables.gpio, serial: tables.serial) : nil
        aggregation = top.has("aggregate") ? tables.aggregation : nil
        buffer = top.has("buffer") ? tables.buffer : nil
    }

    /// `base` refined by this overlay.
    package func applied(to base: AgentConfiguration) -> AgentConfiguration {
        var result = base
        if let sources {
            (result.modbus, result.gpio, result.serial) = (sources.modbus, sources.gpio, sources.serial)
        }
        if let aggregation { result.aggregation = aggregation }
        if let buffer { result.buffer = buffer }
        return result
    }
}

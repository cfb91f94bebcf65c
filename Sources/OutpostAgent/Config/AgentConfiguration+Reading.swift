import OutpostConfig
import OutpostDevices

extension AgentConfiguration {
    /// The tables that say what to read and how to keep it: what a remote configuration from the
    /// hub may set (`RemoteOverlay`); identity, keys and the broker stay in `agent.toml`.
    static let readingKeys: Set<String> = ["buffer", "modbus", "gpio", "serial", "aggregate"]

    /// The reading tables of one document, each read on its own so that every problem is named.
    struct ReadingTables {
        var buffer: Buffer?
        var modbus: [ModbusDevice] = []
        var gpio: [GPIOInput] = []
        var serial: [SerialInput] = []
        var aggregation: [AggregationRule] = []
        var problems: [ConfigError] = []
    }

    /// Reads `[buffer]`, `[[modbus]]`, `[[gpio]]`, `[[serial]]` and `[[aggregate]]` from `top`.
    static func readingTables(_ top: TOMLSection, profiles: ProfileLibrary) -> ReadingTables {
        var tables = ReadingTables()
        let list = ConfigProblemList()
        tables.buffer = list.attempt { () throws(ConfigError) in try Self.buffer(top) }
        for section in list.attempt({ () throws(ConfigError) in try top.sections("modbus") }) ?? [] {
            if let device = Self.modbusDevice(section, profiles: profiles, problems: list) {
                tables.modbus.append(device)
            }
        }
        for section in list.attempt({ () throws(ConfigError) in try top.sections("gpio") }) ?? [] {
            if let input = Self.table(section, Self.gpioKeys, list, Self.gpioInput) { tables.gpio.append(input) }
        }
        for section in list.attempt({ () throws(ConfigError) in try top.sections("serial") }) ?? [] {
            if let input = Self.table(section, Self.serialKeys, list, Self.serialInput) { tables.serial.append(input) }
        }
        for section in list.attempt({ () throws(ConfigError) in try top.sections("aggregate") }) ?? [] {
            let rule = Self.table(section, Self.aggregateKeys, list) { section, own in
                own.attempt { () throws(ConfigError) in try Self.aggregationRule(section) }
            }
            if let rule { tables.aggregation.append(rule) }
        }
        tables.problems = list.problems
        return tables
    }

    /// A source name used twice (their series would collide), and, when `requiringOne`, no
    /// source at all.
    static func sourceProblems(
        _ modbus: [ModbusDevice], _ gpio: [GPIOInput], _ serial: [SerialInput], at top: TOMLSection,
        requiringOne: Bool
    ) -> [ConfigError] {
        var problems: [ConfigError] = []
        let names = modbus.map(\.name) + gpio.map(\.name) + serial.map(\.settings.name)
        for name in Set(names).sorted() where names.filter({ $0 == name }).count > 1 {
            problems.append(top.error("source name '\(name)' is used twice; series would collide"))
        }
        if modbus.isEmpty, gpio.isEmpty, serial.isEmpty, requiringOne {
            problems.append(top.error("no sources: add a [[modbus]], [[gpio]] or [[serial]] table"))
        }
        return problems
    }
}

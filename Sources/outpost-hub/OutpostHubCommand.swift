import ArgumentParser
import Foundation
import Logging
import OutpostCLI
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostWire

/// `outpost-hub`: the central aggregator.
@main
struct OutpostHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost-hub",
        abstract: "Ingest, store and analyse the readings of a fleet of Outpost gateways; serve the dashboard and API.",
        version: "outpost-hub \(OutpostVersion.current)",
        subcommands: [
            ServeCommand.self, CheckCommand.self, EnrolCommand.self, RevokeCommand.self, ImportCommand.self,
            ExportCommand.self, DetectCommand.self, CheckFrame.self, UserCommand.self, TokenCommand.self,
        ])
}

/// The `--config` option every subcommand that touches the store takes.
struct ConfigOption: ParsableArguments {
    static let defaultPath = "/etc/outpost/hub.toml"

    @Option(name: .customLong("config"), help: "The hub's configuration file.")
    var path = Self.defaultPath

    func load() throws -> HubConfiguration {
        let text = try ConfigurationText.read(path, defaultPath: Self.defaultPath, what: "hub configuration")
        do {
            return try HubConfiguration(toml: text, file: path)
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    func openStore() async throws -> any HubStore {
        let configuration = try load()
        return try await configuration.store.open(
            dataDirectory: configuration.dataDirectory, logger: Logger(label: "outpost.hub"))
    }

    /// Records an action done with this command line on the hub's machine in the audit log: who
    /// is the login that ran it.
    func audit(_ action: String, _ target: String, _ detail: String = "") async throws {
        try await openStore().audit(
            AuditEntry(
                at: systemWallClock(), actor: LocalLogin.name, source: "outpost-hub command line", action: action,
                target: target, detail: detail))
    }
}

/// `outpost-hub serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the hub: MQTT and HTTP ingest, store, API, until SIGTERM.")

    @OptionGroup var config: ConfigOption

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let runtime = try await HubRuntime(configuration: try config.load(), logger: Logger(label: "outpost.hub"))
        try await runtime.run()
    }
}

/// `outpost-hub check`.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the configuration file and say what is wrong, with its line.")

    @OptionGroup var config: ConfigOption

    func run() throws {
        let configuration = try config.load()
        if let crl = configuration.brokerRevocationList {
            let expiry: Date
            do {
                expiry = try RevocationList.nextUpdate(pem: String(decoding: try FileIO.read(crl), as: UTF8.self))
            } catch {
                throw CommandFailure("\(config.path): [broker] crl: \(crl): \(error)")
            }
            if let warning = RevocationList.expiryWarning(nextUpdate: expiry, path: crl) {
                guard expiry > Date() else { throw CommandFailure(warning) }
                FileIO.printOut(Array("warning: \(warning)\n".utf8))
            }
        }
        FileIO.printOut(Array("\(config.path): ok\n".utf8))
    }
}

/// `outpost-hub enrol`.
struct EnrolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol", abstract: "Enrol a gateway's public key (PEM); its frames are accepted from then on.")

    @OptionGroup var config: ConfigOption
    @Option(help: "The gateway id.") var gateway: String
    @Option(name: .customLong("public-key"), help: "The gateway's public key, PEM.") var publicKey: String
    @Option(parsing: .unconditional, help: "Latitude, for the map.") var latitude: Double?
    @Option(parsing: .unconditional, help: "Longitude, for the map.") var longitude: Double?

    func validate() throws {
        try OptionRange.check(latitude, -90...90, "--latitude")
        try OptionRange.check(longitude, -180...180, "--longitude")
    }

    func run() async throws {
        guard BatchFrame.isValidGatewayID(gateway) else {
            throw CommandFailure("'\(gateway)' is not a gateway id: use 1-128 of A-Z a-z 0-9 . _ -")
        }
        let pem = String(decoding: try FileIO.read(publicKey), as: UTF8.self)
        let raw: [UInt8]
        do {
            raw = try GatewayKeyVerifier.rawPublicKey(pem: pem)
        } catch {
            throw CommandFailure("\(publicKey): \(error)")
        }
        try await config.openStore().enrol(
            gateway: gateway, publicKey: raw, latitude: latitude, longitude: longitude, at: systemWallClock())
        try await config.audit("gateway.enrol", gateway, "with a key")
        FileIO.printOut(Array("enrolled \(gateway)\n".utf8))
    }
}

/// `outpost-hub revoke`.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a gateway: its frames are refused (and counted) from then on.")

    @OptionGroup var config: ConfigOption
    @Option(help: "The gateway id.") var gateway: String

    func run() async throws {
        guard try await config.openStore().revoke(gateway: gateway, at: systemWallClock()) else {
            throw CommandFailure("no gateway '\(gateway)' is known")
        }
        try await config.audit("gateway.revoke", gateway)
        FileIO.printOut(Array("revoked \(gateway)\n".utf8))
    }
}

/// The login running this command, for the audit log.
enum LocalLogin {
    static var name: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(geteuid())"
    }
}

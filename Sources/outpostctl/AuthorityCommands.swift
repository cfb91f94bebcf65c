import ArgumentParser
import Foundation
import OutpostCLI
import OutpostConfig
import OutpostProvisioning
import OutpostSystem

/// `outpostctl ca`: the fleet's certificate authority.
struct CA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "The fleet's offline certificate authority.",
        subcommands: [Init.self, RenewCRL.self, CheckCRL.self])

    /// `outpostctl ca renew-crl`.
    struct RenewCRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew-crl",
            abstract:
                "Sign a fresh revocation list (valid a year) before the old one expires and the broker refuses everyone."
        )

        @Option(help: "The CA's folder.") var dir: String
        @Option(help: "Also copy the new crl.pem here (the broker's crlfile); reload mosquitto afterwards.")
        var install: String?

        func run() throws {
            let expiry = try provisioning {
                let authority = try CertificateAuthority.open(dir)
                let expiry = try authority.writeRevocationList()
                if let install { try FileIO.write(try FileIO.read(authority.revocationListPath), to: install) }
                return expiry
            }
            let target = install.map { " and \($0)" } ?? ""
            FileIO.printOut(
                Array(
                    "wrote \(dir)/crl.pem\(target), valid until \(ISO8601DateFormatter().string(from: expiry))\n".utf8))
        }
    }

    /// `outpostctl ca check-crl`.
    struct CheckCRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-crl",
            abstract: "Say when a revocation list expires; exit 1 when under 30 days are left (for monitoring).")

        @Argument(help: "The crl.pem to check (the CA's or the broker's copy).") var file: String

        func run() throws {
            let text = String(decoding: try FileIO.read(file), as: UTF8.self)
            let expiry: Date
            do {
                expiry = try RevocationList.nextUpdate(pem: text)
            } catch {
                throw CommandFailure("\(file): \(error)")
            }
            if let warning = RevocationList.expiryWarning(nextUpdate: expiry, path: file) {
                throw CommandFailure(warning)
            }
            FileIO.printOut(Array("\(file): valid until \(ISO8601DateFormatter().string(from: expiry))\n".utf8))
        }
    }

    /// `outpostctl ca init`.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create a CA (P-256): DIR/ca.key (mode 0600), DIR/ca.pem, DIR/crl.pem, and the fleet key DIR/fleet-key.pem (0600), DIR/fleet.pem. Keep DIR offline."
        )

        @Option(help: "The CA's folder.") var dir: String
        @Option(help: "The CA's name (its certificate's CN).") var name = "Outpost fleet CA"
        @Flag(help: "Replace an existing CA (every certificate it issued stops being trusted).") var force = false

        func run() throws {
            let authority = try provisioning { try CertificateAuthority.create(in: dir, name: name, force: force) }
            FileIO.printOut(
                Array("created CA '\(name)' in \(authority.folder) (ca.key is secret: keep it offline)\n".utf8))
        }
    }
}

/// `outpostctl broker-config`.
struct BrokerConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker-config",
        abstract:
            "The broker's certificate, the CA, the revocation list, Mosquitto's TLS listener and ACL, and the hub's client identity."
    )

    @Option(help: "The CA's folder.") var ca: String
    @Option(help: "A name (DNS or IP) gateways reach the broker by; repeat for more.") var host: [String]
    @Option(help: "Where to write the files.") var out: String
    @Option(parsing: .unconditional, help: "The TLS port.") var port = 8883
    @Option(help: "The address to listen on (default: every address).") var bind = ""
    @Option(name: .customLong("install-dir"), help: "Where the files will live on the broker.")
    var installDirectory = "/etc/mosquitto/outpost"
    @Option(name: .customLong("hub-identity"), help: "The hub's client certificate CN.") var hubIdentity = "outpost-hub"
    @Option(help: "The templates folder (default: the installed provisioning/).") var templates: String?

    func validate() throws { try OptionRange.check(port, 1...65_535, "--port") }

    func run() throws {
        try provisioning {
            let authority = try CertificateAuthority.open(ca)
            var configuration = BrokerConfiguration(hosts: host, installDirectory: installDirectory)
            configuration.port = port
            configuration.bind = bind
            configuration.hubIdentity = hubIdentity
            let folder = templates ?? SharedFiles.locate("provisioning", containing: "mosquitto/outpost.conf")
            try configuration.write(to: out, authority: authority, templates: folder)
            try BrokerConfiguration.writeClientIdentity(hubIdentity, authority: authority, to: out + "/hub")
            try FileIO.write(
                Array(try authority.fleetKey().privatePEM.utf8), to: out + "/hub/fleet-key.pem", mode: 0o600)
        }
        FileIO.printOut(
            Array(
                """
                wrote \(out)/: outpost.conf, acl, broker.pem, broker.key (0600), ca.pem, crl.pem
                      \(out)/hub/: \(hubIdentity).pem, \(hubIdentity).key (0600): the hub's [broker] certificate and key
                      \(out)/hub/fleet-key.pem (0600): the hub's [broker] fleet_key, which signs what it sends gateways
                install: copy \(out)/* to \(installDirectory)/ on the broker, include outpost.conf, restart mosquitto

                """.utf8))
    }
}

/// Runs a provisioning step, turning its errors into the CLI's one-line failures.
func provisioning<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ProvisioningError {
        throw CommandFailure(error.message)
    } catch let error as FileIO.Failure {
        throw CommandFailure("\(error)")
    }
}

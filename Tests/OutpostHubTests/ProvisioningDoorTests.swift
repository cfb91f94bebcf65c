// Doors the provisioning tools left open: an older certificate outliving revocation, the hub's
// name given to a gateway, a revocation list that expires, a token in the process list.
import Foundation
import OutpostProvisioning
import OutpostSystem
import OutpostTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Provisioning leaves no door open")
struct ProvisioningDoorTests {
    @Test("revoke shuts out every certificate ever issued to the id, not only the last, at the real broker")
    func revokesEveryCertificate() async throws {
        let fleet = try Fleet()
        // gw-a is provisioned again (a rotated key): the first bundle's certificate is kept aside.
        let rotated = fleet.folder.path + "/gw-a-rotated"
        let again = try outpostctl([
            "provision", "gw-a", "--ca", fleet.ca, "--broker", "mqtts://127.0.0.1:\(fleet.port)", "--sources",
            fleet.folder.path + "/sources.toml", "--out", rotated,
        ])
        #expect(again.exitStatus == 0, "\(again)")
        try fleet.startBroker()
        for folder in [fleet.folder.path + "/gw-a", rotated] {
            let client = try fleet.client("gw-a", certificate: folder + "/gw-a.pem", key: folder + "/gw-a.key")
            #expect(await connects(client, port: fleet.port), "\(folder) connects before revocation")
            client.shutdown()
        }
        let revoked = try outpostctl(["revoke", "gw-a", "--ca", fleet.ca])
        #expect(revoked.exitStatus == 0 && revoked.stdout.contains("2 certificates"), "\(revoked)")
        try Data(readFileBytes(fleet.ca + "/crl.pem")).write(to: URL(fileURLWithPath: fleet.brokerFiles + "/crl.pem"))
        fleet.stopBroker()
        try fleet.startBroker()
        for folder in [fleet.folder.path + "/gw-a", rotated] {
            let client = try fleet.client("gw-a", certificate: folder + "/gw-a.pem", key: folder + "/gw-a.key")
            #expect(
                !(await connects(client, port: fleet.port)), "\(folder)'s certificate still connects after revocation")
            client.shutdown()
        }
        let other = try fleet.gateway("gw-b")
        #expect(await connects(other, port: fleet.port), "the others still connect")
        other.shutdown()
    }

    @Test("The hub's identity, the default one and the broker's name are reserved: provision refuses them")
    func reservedNames() throws {
        let folder = try TemporaryFolder(prefix: "reserved")
        let ca = folder.path + "/ca"
        #expect(try outpostctl(["ca", "init", "--dir", ca]).exitStatus == 0)
        let sources = folder.write(
            Array("[[modbus]]\nname = \"d\"\nurl = \"tcp://127.0.0.1:1502\"\nprofile = \"xy-md02\"\n".utf8),
            to: "s.toml")
        func provision(_ id: String) throws -> ChildProcess.Outcome {
            try outpostctl([
                "provision", id, "--ca", ca, "--broker", "mqtts://127.0.0.1:8883", "--sources", sources, "--out",
                folder.path + "/\(id)",
            ])
        }
        #expect(try provision("gw-early").exitStatus == 0)
        let clash = try outpostctl([
            "broker-config", "--ca", ca, "--host", "127.0.0.1", "--out", folder.path + "/b0", "--hub-identity",
            "gw-early",
        ])
        #expect(clash.exitStatus != 0 && clash.stderr.contains("already given to a gateway"), "\(clash)")
        let config = try outpostctl([
            "broker-config", "--ca", ca, "--host", "127.0.0.1", "--out", folder.path + "/b", "--hub-identity",
            "hub-main",
        ])
        #expect(config.exitStatus == 0, "\(config)")
        for name in ["hub-main", "outpost-hub", "broker-127.0.0.1"] {
            let refused = try provision(name)
            #expect(refused.exitStatus != 0 && refused.stderr.contains("reserved"), "\(name): \(refused)")
            #expect(access(folder.path + "/\(name)/\(name).key", F_OK) != 0, "no key was written for \(name)")
        }
        let conf = String(decoding: readFileBytes(folder.path + "/b/outpost.conf"), as: UTF8.self)
        #expect(conf.contains("max_packet_size 16842752"), "the broker caps packets")
    }

    @Test(
        "A revocation list about to expire is reported by check-crl and outpost-hub check; renew-crl renews and installs it"
    )
    func revocationListRenewal() throws {
        let folder = try TemporaryFolder(prefix: "crl")
        let ca = folder.path + "/ca"
        #expect(try outpostctl(["ca", "init", "--dir", ca]).exitStatus == 0)
        let fresh = try outpostctl(["ca", "check-crl", ca + "/crl.pem"])
        #expect(fresh.exitStatus == 0 && fresh.stdout.contains("valid until"), "\(fresh)")
        // As if written 355 days ago: 10 days left.
        let authority = try CertificateAuthority.open(ca)
        let soon = try authority.writeRevocationList(now: Date().addingTimeInterval(-355 * 86_400))
        #expect(soon.timeIntervalSinceNow > 9 * 86_400 && soon.timeIntervalSinceNow < 11 * 86_400)
        let warned = try outpostctl(["ca", "check-crl", ca + "/crl.pem"])
        #expect(warned.exitStatus != 0 && warned.stderr.contains("expires in 9 days"), "\(warned)")
        let hub = try HubProcess(
            brokerPort: nil, extra: "[broker]\nurl = \"mqtt://127.0.0.1:1883\"\ncrl = \"\(ca)/crl.pem\"\n")
        let check = try hub.command(["check"])
        #expect(
            check.exitStatus == 0 && check.stdout.contains("warning:") && check.stdout.contains("renew-crl"), "\(check)"
        )
        try authority.writeRevocationList(now: Date().addingTimeInterval(-400 * 86_400))
        let expired = try hub.command(["check"])
        #expect(expired.exitStatus != 0 && expired.stderr.contains("expired"), "\(expired)")
        let installed = folder.path + "/broker-crl.pem"
        let renewed = try outpostctl(["ca", "renew-crl", "--dir", ca, "--install", installed])
        #expect(renewed.exitStatus == 0 && renewed.stdout.contains("valid until"), "\(renewed)")
        #expect(readFileBytes(installed) == readFileBytes(ca + "/crl.pem"))
        #expect(try outpostctl(["ca", "check-crl", installed]).exitStatus == 0)
        #expect(try hub.command(["check"]).exitStatus == 0)
    }

    @Test("The renewal timer and its service pass systemd-analyze verify")
    func renewalUnits() throws {
        let folder = try TemporaryFolder(prefix: "units")
        for name in ["outpost-crl-renew.service", "outpost-crl-renew.timer"] {
            let text = String(decoding: readFileBytes(packageRoot() + "/systemd/" + name), as: UTF8.self)
                .replacingOccurrences(of: "/usr/bin/outpostctl", with: Binaries.path("outpostctl"))
            folder.write(Array(text.utf8), to: name)
        }
        let outcome = try ChildProcess.run(
            "/usr/bin/systemd-analyze",
            ["verify", folder.file("outpost-crl-renew.timer"), folder.file("outpost-crl-renew.service")])
        #expect(outcome.exitStatus == 0 && outcome.stderr.isEmpty, "\(outcome)")
    }

    @Test(
        "outpostctl takes the hub token from OUTPOST_TOKEN or --token-file; --token still works and warns that ps shows it"
    )
    func tokenOutOfTheProcessList() throws {
        let hub = try HubProcess(brokerPort: nil)
        try hub.start(withBroker: false)
        let url = "http://127.0.0.1:\(hub.httpPort)"
        let fromEnvironment = try ChildProcess.run(
            "/usr/bin/env", ["OUTPOST_TOKEN=\(hub.token)", Binaries.path("outpostctl"), "fleet", "--hub", url])
        #expect(fromEnvironment.exitStatus == 0 && fromEnvironment.stdout.contains("GATEWAY"), "\(fromEnvironment)")
        let file = hub.folder.write(Array((hub.token + "\n").utf8), to: "token")
        let fromFile = try outpostctl(["fleet", "--hub", url, "--token-file", file])
        #expect(fromFile.exitStatus == 0 && fromFile.stderr.isEmpty, "\(fromFile)")
        let onCommandLine = try outpostctl(["fleet", "--hub", url, "--token", hub.token])
        #expect(onCommandLine.exitStatus == 0 && onCommandLine.stderr.contains("OUTPOST_TOKEN"), "\(onCommandLine)")
        let none = try ChildProcess.run(
            "/usr/bin/env", ["-u", "OUTPOST_TOKEN", Binaries.path("outpostctl"), "fleet", "--hub", url])
        #expect(none.exitStatus != 0 && none.stderr.contains("OUTPOST_TOKEN"), "\(none)")
    }

    @Test("A link planted at FileIO's temporary name is not followed: the target file stays as it was")
    func plantedLink() throws {
        let folder = try TemporaryFolder(prefix: "plant")
        let victim = folder.write(Array("precious".utf8), to: "victim")
        let path = folder.path + "/ca.key"
        #expect(symlink(victim, path + ".tmp-\(getpid())") == 0)
        try FileIO.write(Array("secret key".utf8), to: path, mode: 0o600)
        #expect(String(decoding: readFileBytes(victim), as: UTF8.self) == "precious")
        #expect(String(decoding: readFileBytes(path), as: UTF8.self) == "secret key")
    }
}

import Foundation
import OutpostTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("A provisioned bundle on the gateway")
struct FirstBootTests {
    /// A CA and one gateway's bundle, made with `outpostctl`.
    private func bundle(in folder: TemporaryFolder, out: String, extra: [String] = []) throws {
        let ctl = Binaries.path("outpostctl")
        #expect(try ChildProcess.run(ctl, ["ca", "init", "--dir", folder.path + "/ca"]).exitStatus == 0)
        let sources = folder.write(
            Array("[[modbus]]\nname = \"dev\"\nurl = \"tcp://127.0.0.1:1502\"\nprofile = \"xy-md02\"\n".utf8),
            to: "sources.toml")
        let made = try ChildProcess.run(
            ctl,
            [
                "provision", "gw-pump-7", "--ca", folder.path + "/ca", "--broker", "mqtts://broker.example:8883",
                "--sources", sources, "--out", out,
            ] + extra)
        #expect(made.exitStatus == 0, "\(made)")
    }

    @Test("The bundle's agent.toml is complete: outpost-agent check --offline accepts it as written")
    func agentConfigurationChecks() throws {
        let folder = try TemporaryFolder(prefix: "bundle")
        try bundle(in: folder, out: folder.path + "/bundle")
        let check = try ChildProcess(
            Binaries.path("outpost-agent"), ["check", "--offline", "--config", folder.path + "/bundle/agent.toml"],
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
        ).wait()
        #expect(check.exitStatus == 0, "\(check)")
        #expect(
            check.stdout.contains("gateway gw-pump-7") && check.stdout.contains("client certificate"), "\(check.stdout)"
        )
    }

    @Test(
        "With --release-key the bundle carries release.pem and agent.toml trusts it; a key that is not one is refused")
    func releaseKey() throws {
        let folder = try TemporaryFolder(prefix: "bundle")
        let keys = try ChildProcess.run(
            Binaries.path("outpostctl"), ["release", "keygen", "--dir", folder.path + "/release"])
        #expect(keys.exitStatus == 0, "\(keys)")
        try bundle(
            in: folder, out: folder.path + "/bundle", extra: ["--release-key", folder.path + "/release/release.pem"])
        let agent = String(decoding: readFileBytes(folder.path + "/bundle/agent.toml"), as: UTF8.self)
        #expect(agent.contains("\nrelease_key = \"/etc/outpost/release.pem\""), "\(agent)")
        #expect(
            readFileBytes(folder.path + "/bundle/release.pem") == readFileBytes(folder.path + "/release/release.pem"))
        let check = try ChildProcess(
            Binaries.path("outpost-agent"), ["check", "--offline", "--config", folder.path + "/bundle/agent.toml"],
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
        ).wait()
        #expect(check.exitStatus == 0, "\(check)")
        // Without the option: the line is there, commented, and no release.pem.
        let plain = try TemporaryFolder(prefix: "bundle")
        try bundle(in: plain, out: plain.path + "/bundle")
        let plainAgent = String(decoding: readFileBytes(plain.path + "/bundle/agent.toml"), as: UTF8.self)
        #expect(
            plainAgent.contains("# release_key = \"/etc/outpost/release.pem\"") && !plainAgent.contains("\nrelease_key")
        )
        #expect(access(plain.path + "/bundle/release.pem", F_OK) != 0)
        // The private key by mistake, or anything else: refused, nothing written.
        let wrong = try ChildProcess.run(
            Binaries.path("outpostctl"),
            [
                "provision", "gw-pump-8", "--ca", folder.path + "/ca", "--broker", "mqtts://broker.example:8883",
                "--sources", folder.path + "/sources.toml", "--out", folder.path + "/wrong",
                "--release-key", folder.path + "/release/release-key.pem",
            ])
        #expect(wrong.exitStatus == 1 && wrong.stderr.contains("not a P-256 public key"), "\(wrong)")
        #expect(access(folder.path + "/wrong", F_OK) != 0)
    }

    @Test(
        "first-boot.sh installs a bundle from the boot partition into /etc/outpost, key 0640, and removes it from the boot partition"
    )
    func firstBootFromBootPartition() throws {
        let folder = try TemporaryFolder(prefix: "firstboot")
        let root = folder.path + "/root"
        try bundle(in: folder, out: root + "/boot/firmware/outpost")
        let run = try ChildProcess(
            "/bin/sh", [packageRoot() + "/provisioning/first-boot.sh"],
            environment: ["OUTPOST_ROOT": root, "OUTPOST_NO_SYSTEMD": "1", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        ).wait()
        #expect(run.exitStatus == 0, "\(run)")
        for file in ["agent.toml", "ca.pem", "gw-pump-7.pem", "gw-pump-7.key"] {
            #expect(access("\(root)/etc/outpost/\(file)", R_OK) == 0, "\(file) installed")
        }
        var info = stat()
        #expect(stat("\(root)/etc/outpost/gw-pump-7.key", &info) == 0 && info.st_mode & 0o777 == 0o640)
        #expect(
            access("\(root)/boot/firmware/outpost", F_OK) != 0, "the private key does not stay on the boot partition")
        #expect(access("\(root)/etc/outpost/first-boot.sh", F_OK) != 0)
        let again = try ChildProcess(
            "/bin/sh", [packageRoot() + "/provisioning/first-boot.sh"],
            environment: ["OUTPOST_ROOT": root, "OUTPOST_NO_SYSTEMD": "1", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        ).wait()
        #expect(
            again.exitStatus == 0 && again.stdout.contains("nothing to do"), "a second boot finds nothing: \(again)")
    }

    @Test("first-boot.sh installs a .tar.gz bundle given as its argument")
    func firstBootFromArchive() throws {
        let folder = try TemporaryFolder(prefix: "firstboot")
        let root = folder.path + "/root"
        try bundle(in: folder, out: folder.path + "/gw-pump-7.tar.gz")
        let run = try ChildProcess(
            "/bin/sh", [packageRoot() + "/provisioning/first-boot.sh", folder.path + "/gw-pump-7.tar.gz"],
            environment: ["OUTPOST_ROOT": root, "OUTPOST_NO_SYSTEMD": "1", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        ).wait()
        #expect(run.exitStatus == 0, "\(run)")
        let agent = String(decoding: readFileBytes(root + "/etc/outpost/agent.toml"), as: UTF8.self)
        #expect(agent.contains("id = \"gw-pump-7\""))
    }
}

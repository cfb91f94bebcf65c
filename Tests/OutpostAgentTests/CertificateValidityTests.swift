import OutpostAgent
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("Certificates the agent presents and trusts")
struct CertificateValidityTests {
    @Test("The validity period is read from a certificate as openssl wrote it")
    func readsOpenSSLCertificate() throws {
        let folder = try TemporaryFolder()
        let certificates = try TestCertificates(in: folder, clients: ["gw-1", "gw-old"], expired: ["gw-old"])
        let now = systemWallClock() / 1_000_000_000
        let valid = try #require(
            CertificateValidity(pem: String(decoding: readFileBytes(certificates.certificate("gw-1")), as: UTF8.self)))
        #expect(abs(valid.notBefore - now) < 300, "issued now: \(valid.notBefore) vs \(now)")
        #expect(valid.notAfter - valid.notBefore == 2 * 86_400, "-days 2")
        #expect(valid.problem(at: now) == nil)
        let expired = try #require(
            CertificateValidity(pem: String(decoding: readFileBytes(certificates.certificate("gw-old")), as: UTF8.self))
        )
        #expect(expired.problem(at: now)?.hasPrefix("expired on ") == true)
        // A board whose clock never came up thinks it is 1970.
        #expect(valid.problem(at: 0)?.contains("this machine's clock says 1970-01-01 00:00:00 UTC") == true)
    }

    @Test("Text that is not a certificate, or a truncated one, is not read as one")
    func malformed() throws {
        #expect(CertificateValidity(pem: "not a certificate") == nil)
        #expect(CertificateValidity(pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----") == nil)
        #expect(CertificateValidity(pem: "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----") == nil)
    }

    @Test("check: a file that cannot be read and an expired client certificate are problems that say what to do")
    func checkReportsFilesAndExpiry() throws {
        let folder = try TemporaryFolder()
        let certificates = try TestCertificates(in: folder, clients: ["gw-kill"], expired: ["gw-kill"])
        let text = """
            [gateway]
            id = "gw-kill"
            data_dir = "\(folder.path)/data"

            [uplink]
            broker = "mqtts://127.0.0.1:8883"
            ca = "\(certificates.caFile)"
            certificate = "\(certificates.certificate("gw-kill"))"
            key = "\(certificates.key("gw-kill"))"
            signing_key = "\(folder.path)/no-such.key"

            [[modbus]]
            name = "meter"
            url = "tcp://127.0.0.1:1502"
            profile = "xy-md02"
            """
        let config = folder.write(Array(text.utf8), to: "agent.toml")
        let environment = ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
        let missing = try ChildProcess(
            Binaries.path("outpost-agent"), ["check", "--config", config], environment: environment
        ).wait()
        #expect(missing.exitStatus == 1)
        #expect(
            missing.stderr.contains(
                "agent.toml: line 10, uplink.signing_key: '\(folder.path)/no-such.key' cannot be read: No such file or directory"
            ), "\(missing.stderr)")
        let offline = try ChildProcess(
            Binaries.path("outpost-agent"), ["check", "--offline", "--config", config], environment: environment
        ).wait()
        #expect(offline.exitStatus == 0, "--offline looks for no file: \(offline.stderr)")
        let key = folder.write(Array("unused".utf8), to: "no-such.key")
        #expect(key.hasSuffix("no-such.key"))
        let expired = try ChildProcess(
            Binaries.path("outpost-agent"), ["check", "--config", config], environment: environment
        ).wait()
        #expect(expired.exitStatus == 1)
        #expect(
            expired.stderr.contains("uplink.certificate: '\(certificates.certificate("gw-kill"))' expired on "),
            "\(expired.stderr)")
        #expect(expired.stderr.contains("renew it (outpostctl provision)"))
    }
}

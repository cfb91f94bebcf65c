import OutpostTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `outpostctl release keygen|sign|verify` on real files, as whoever cuts a release runs them.
@Suite("Release tools")
struct ReleaseCommandTests {
    func outpostctl(_ arguments: [String]) throws -> ChildProcess.Outcome {
        try ChildProcess.run(Binaries.path("outpostctl"), ["release"] + arguments)
    }

    @Test("keygen, sign, verify; a second keygen refused; a changed file, another key and a bad version refused")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let keys = folder.path + "/keys"
        let made = try outpostctl(["keygen", "--dir", keys])
        #expect(made.exitStatus == 0, "\(made)")
        var info = stat()
        #expect(stat(keys + "/release-key.pem", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(!made.stdout.contains("PRIVATE"))
        let again = try outpostctl(["keygen", "--dir", keys])
        #expect(again.exitStatus == 1 && again.stderr.contains("exists"), "\(again)")

        // The agent's own binary as the release file.
        let file = folder.write(readFileBytes(Binaries.path("outpost-sim")), to: "outpost-agent")
        let signed = try outpostctl([
            "sign", file, "--key", keys + "/release-key.pem", "--version", "0.2.0", "--arch", "arm64",
        ])
        #expect(signed.exitStatus == 0, "\(signed)")
        #expect(signed.stdout.contains("outpost-agent 0.2.0 for arm64"), "\(signed.stdout)")
        let verified = try outpostctl(["verify", file, "--public-key", keys + "/release.pem"])
        #expect(verified.exitStatus == 0, "\(verified)")
        #expect(verified.stdout.contains("signed and intact"))

        // One byte changed in the middle of the binary.
        var bytes = readFileBytes(file)
        bytes[bytes.count / 2] ^= 0x01
        let changed = folder.write(bytes, to: "changed")
        let changedCheck = try outpostctl([
            "verify", changed, "--manifest", file + ".manifest", "--public-key", keys + "/release.pem",
        ])
        #expect(changedCheck.exitStatus == 1 && changedCheck.stderr.contains("SHA-256"), "\(changedCheck)")
        // A key nobody trusts.
        let other = try outpostctl(["keygen", "--dir", folder.path + "/other"])
        #expect(other.exitStatus == 0)
        let stranger = try outpostctl(["verify", file, "--public-key", folder.path + "/other/release.pem"])
        #expect(
            stranger.exitStatus == 1 && stranger.stderr.contains("not signed by the release key"), "\(stranger)")
        // A manifest that is not a signed document.
        let junk = folder.write(Array("{}".utf8), to: "junk.manifest")
        let unsigned = try outpostctl(["verify", file, "--manifest", junk, "--public-key", keys + "/release.pem"])
        #expect(unsigned.exitStatus == 1 && unsigned.stderr.contains("junk.manifest"), "\(unsigned)")

        // A manifest of a gigabyte (sparse): refused without being read whole.
        let huge = folder.write([], to: "huge.manifest")
        #expect(truncate(huge, 1 << 30) == 0)
        let tooLong = try outpostctl(["verify", file, "--manifest", huge, "--public-key", keys + "/release.pem"])
        #expect(tooLong.exitStatus == 1 && tooLong.stderr.contains("longer than 65536 bytes"), "\(tooLong)")

        for (version, arch) in [("0.2", "amd64"), ("0.2.0.1", "amd64"), ("-1.0.0", "amd64"), ("0.2.0", "sparc")] {
            let refused = try outpostctl([
                "sign", file, "--key", keys + "/release-key.pem", "--version", version, "--arch", arch,
                "--out", folder.path + "/refused.manifest",
            ])
            #expect(refused.exitStatus != 0, "\(version) \(arch) was signed")
            #expect(access(folder.path + "/refused.manifest", F_OK) != 0)
        }
        let empty = folder.write([], to: "empty")
        let emptySigned = try outpostctl([
            "sign", empty, "--key", keys + "/release-key.pem", "--version", "0.2.0", "--arch", "amd64",
        ])
        #expect(emptySigned.exitStatus == 1 && emptySigned.stderr.contains("size 0"), "\(emptySigned)")
    }
}

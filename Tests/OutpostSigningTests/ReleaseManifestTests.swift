import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

/// Release manifests: their fields' rules, their signature, and the file they vouch for.
@Suite("Release manifests")
struct ReleaseManifestTests {
    static let sha = String(repeating: "ab", count: 32)

    /// A version the test spells correctly.
    static func version(_ text: String) -> ReleaseVersion {
        guard let version = ReleaseVersion(text) else { preconditionFailure("'\(text)' is not a version") }
        return version
    }

    static func manifest(
        version: String = "0.2.0", architecture: String = "amd64", file: String = "outpost-agent", size: Int64 = 4,
        sha256: String = sha, issuedAt: Int64 = 1_800_000_000_000_000_000
    ) -> ReleaseManifest {
        ReleaseManifest(
            version: Self.version(version), architecture: architecture, file: file,
            size: size, sha256: sha256, issuedAt: issuedAt)
    }

    @Test("Versions: MAJOR.MINOR.PATCH only, ordered part by part as numbers")
    func versions() {
        for text in [
            "", "1", "1.2", "1.2.3.4", "-1.0.0", "+1.0.0", "1.02.0", "1.2.x", " 1.2.3", "1.2.3 ", "4294967296.0.0",
            "1..3", "1.2.3-rc1", "١.٢.٣",
        ] {
            #expect(ReleaseVersion(text) == nil, "'\(text)' was taken as a version")
        }
        #expect(ReleaseVersion("4294967295.0.0")?.parts == [4_294_967_295, 0, 0])
        #expect(Self.version("0.10.0") > Self.version("0.9.9"))
        #expect(Self.version("1.0.0") > Self.version("0.99.99"))
        #expect(!(Self.version("0.2.0") < Self.version("0.2.0")))
        #expect(Self.version("0.2.0").description == "0.2.0")
    }

    @Test("Every field out of range is named: size, hash, architecture, file name, time")
    func fieldRules() {
        #expect(Self.manifest().problem == nil)
        let cases: [(ReleaseManifest, String)] = [
            (Self.manifest(size: 0), "size 0"),
            (Self.manifest(size: -1), "size -1"),
            (Self.manifest(size: Int64.max), "size \(Int64.max)"),
            (Self.manifest(size: Int64.min), "size \(Int64.min)"),
            (Self.manifest(sha256: String(repeating: "AB", count: 32)), "sha256"),
            (Self.manifest(sha256: String(repeating: "a", count: 63)), "sha256"),
            (Self.manifest(sha256: ""), "sha256"),
            (Self.manifest(architecture: "sparc"), "architecture 'sparc'"),
            (Self.manifest(architecture: ""), "architecture"),
            (Self.manifest(file: ""), "file"),
            (Self.manifest(file: "../../usr/bin/outpost-agent"), "file"),
            (Self.manifest(file: ".hidden"), "file"),
            (Self.manifest(file: "a\u{0}b"), "file"),
            (Self.manifest(file: String(repeating: "x", count: 100_000)), "file"),
            (Self.manifest(issuedAt: Int64.min), "issued_at"),
            (Self.manifest(issuedAt: Int64.max), "issued_at"),
        ]
        for (manifest, named) in cases {
            #expect(manifest.problem?.contains(named) == true, "\(named): \(String(describing: manifest.problem))")
        }
    }

    @Test("Signed, opened and refused: another key, a changed byte, an unsigned or a hub-signed manifest")
    func signatures() throws {
        let key = ReleaseSigner.newKey()
        let signer = try ReleaseSigner(privateKeyPEM: key.privatePEM)
        let verifier = try ReleaseVerifier(publicKeyPEM: key.publicPEM)
        let signed = try signer.sign(Self.manifest())
        #expect(try verifier.open(signed) == Self.manifest())

        let stranger = try ReleaseVerifier(publicKeyPEM: ReleaseSigner.generate().publicKeyPEM)
        #expect(throws: DocumentError.self) { try stranger.open(signed) }
        // One more byte in the size, the signature unchanged.
        let tampered = Array(
            String(decoding: signed, as: UTF8.self).replacingOccurrences(of: "\\\"size\\\":4", with: "\\\"size\\\":44")
                .utf8)
        #expect(tampered != signed, "the size was not found to change")
        #expect(throws: DocumentError.self) { try verifier.open(tampered) }
        // The manifest's JSON with no signature at all.
        let unsigned = Array(
            #"{"version":"0.2.0","architecture":"amd64","file":"outpost-agent","size":4,"sha256":"\#(Self.sha)","issued_at":1}"#
                .utf8)
        #expect(throws: DocumentError.self) { try verifier.open(unsigned) }
        // The same key signing the same JSON as a hub document for a gateway's topic: not a release.
        let elsewhere = try DocumentSigner(privateKeyPEM: key.privatePEM).sign(
            Self.manifest(), topic: "outpost/v1/gw/config")
        #expect(throws: DocumentError.self) { try verifier.open(elsewhere) }
        // A manifest out of range is never signed.
        #expect(throws: SigningError.self) { try signer.sign(Self.manifest(size: -1)) }
    }

    @Test("The file is measured in pieces and compared with the manifest; newer, same-architecture only")
    func files() throws {
        let folder = try TemporaryFolder()
        let path = folder.write(Array("abcd".utf8), to: "outpost-agent")
        let measured = try ReleaseFile.measure(path)
        #expect(measured.size == 4)
        #expect(measured.sha256 == "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589")
        let signer = ReleaseSigner.generate()
        let verifier = try ReleaseVerifier(publicKeyPEM: signer.publicKeyPEM)
        let good = try signer.sign(Self.manifest(sha256: measured.sha256))
        // What a gateway checks: the signature, then the architecture and version, then the file.
        func refusal(manifest: [UInt8], file: String, running: ReleaseVersion, architecture: String) -> String? {
            guard let opened = try? verifier.open(manifest) else { return "the manifest is refused" }
            return verifier.refusal(of: opened, running: running, architecture: architecture)
                ?? ReleaseFile.mismatch(opened, path: file)
        }
        let running = Self.version("0.1.0")
        #expect(refusal(manifest: good, file: path, running: running, architecture: "amd64") == nil)
        #expect(
            refusal(manifest: good, file: path, running: running, architecture: "arm64")?
                .contains("is for amd64, this gateway is arm64") == true)
        #expect(
            refusal(manifest: good, file: path, running: Self.version("0.2.0"), architecture: "amd64")?
                .contains("not newer than 0.2.0") == true)
        #expect(
            refusal(manifest: good, file: path, running: Self.version("1.0.0"), architecture: "amd64")?
                .contains("not newer") == true)
        _ = folder.write(Array("abce".utf8), to: "outpost-agent")
        #expect(
            refusal(manifest: good, file: path, running: running, architecture: "amd64")?
                .contains("SHA-256") == true)
        _ = folder.write(Array("abcde".utf8), to: "outpost-agent")
        #expect(
            refusal(manifest: good, file: path, running: running, architecture: "amd64")?
                .contains("5 bytes, the manifest says 4") == true)
        #expect(
            refusal(manifest: good, file: folder.file("missing"), running: running, architecture: "amd64")?
                .contains("cannot be read") == true)
    }
}

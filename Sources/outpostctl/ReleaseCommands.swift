import ArgumentParser
import Foundation
import OutpostCLI
import OutpostSigning
import OutpostSystem
import OutpostWire

/// `outpostctl release`: the offline side of agent releases (docs/releases.md).
struct Release: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Cut agent releases (the offline release key, signed manifests gateways check before installing), upload them to the hub and roll them out.",
        subcommands: [Keygen.self, Sign.self, Verify.self, Upload.self, List.self, Rollout.self])

    /// `outpostctl release keygen`.
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make the release key: DIR/release-key.pem (private, 0600; keep it offline) and DIR/release.pem (public; every gateway's bundle carries it)."
        )

        @Option(help: "The folder to write the keys into.") var dir: String

        func run() throws {
            let (privatePath, publicPath) = (dir + "/release-key.pem", dir + "/release.pem")
            // A second key would orphan every gateway that trusts the first.
            for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
                throw CommandFailure("\(path) exists: a new release key is trusted by no gateway; keep the old one")
            }
            try FileIO.makeDirectory(dir)
            let key = ReleaseSigner.newKey()
            try FileIO.write(Array(key.privatePEM.utf8), to: privatePath, mode: 0o600)
            try FileIO.write(Array(key.publicPEM.utf8), to: publicPath, mode: 0o644)
            FileIO.printOut(
                Array("wrote \(privatePath) (secret: keep it offline) and \(publicPath) (for the gateways)\n".utf8))
        }
    }

    /// `outpostctl release sign`.
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a release: measure FILE (size, SHA-256) and write its signed manifest, FILE.manifest.")

        @Argument(help: "The release's file: the agent's binary or its .deb.") var file: String
        @Option(help: "The release key (release-key.pem).") var key: String
        @Option(help: "The release's version, MAJOR.MINOR.PATCH.") var version: String
        @Option(help: "The Debian architecture it runs on: amd64, arm64, armhf, i386, riscv64.") var arch: String
        @Option(help: "Where to write the manifest (default FILE.manifest).") var out: String?

        func run() throws {
            guard let releaseVersion = ReleaseVersion(version) else {
                throw CommandFailure("--version '\(version)': \(ReleaseVersion.form)")
            }
            let signer: ReleaseSigner
            do {
                signer = try ReleaseSigner(privateKeyPEM: String(decoding: try FileIO.read(key), as: UTF8.self))
            } catch let error as SigningError {
                throw CommandFailure("\(key): \(error)")
            }
            let measured = try ReleaseFile.measure(file)
            let name = String(file.split(separator: "/").last ?? Substring(file))
            let manifest = ReleaseManifest(
                version: releaseVersion, architecture: arch, file: name, size: measured.size,
                sha256: measured.sha256, issuedAt: Int64(Date().timeIntervalSince1970) * 1_000_000_000)
            if let problem = manifest.problem { throw CommandFailure("\(file): \(problem)") }
            let target = out ?? file + ".manifest"
            try FileIO.write(try signer.sign(manifest), to: target)
            FileIO.printOut(
                Array(
                    "wrote \(target): \(name) \(releaseVersion) for \(arch), \(measured.size) bytes, sha256 \(measured.sha256)\n"
                        .utf8))
        }
    }

    /// `outpostctl release verify`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a release as a gateway does: the manifest's signature, then the file's size and SHA-256; exit 1 and say why otherwise."
        )

        @Argument(help: "The release's file.") var file: String
        @Option(help: "Its manifest (default FILE.manifest).") var manifest: String?
        @Option(name: .customLong("public-key"), help: "The release key's public half (release.pem).")
        var publicKey: String

        func run() throws {
            let manifestPath = manifest ?? file + ".manifest"
            let verifier: ReleaseVerifier
            do {
                verifier = try ReleaseVerifier(
                    publicKeyPEM: String(decoding: try FileIO.read(publicKey), as: UTF8.self))
            } catch let error as SigningError {
                throw CommandFailure("\(publicKey): \(error)")
            }
            let opened: ReleaseManifest
            do {
                opened = try verifier.open(try FileIO.read(manifestPath, limit: SignedHubDocument.maxBytes))
            } catch let error as DocumentError {
                throw CommandFailure("\(manifestPath): \(error)")
            }
            if let mismatch = ReleaseFile.mismatch(opened, path: file) { throw CommandFailure("\(file): \(mismatch)") }
            FileIO.printOut(
                Array("\(file): release \(opened.version) for \(opened.architecture), signed and intact\n".utf8))
        }
    }
}

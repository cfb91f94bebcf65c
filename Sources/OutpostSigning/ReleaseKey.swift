import Crypto
import OutpostSystem
import OutpostWire

/// Signs release manifests with the release key: a P-256 key that `outpostctl release keygen`
/// makes and that stays offline with whoever cuts releases. It is neither the fleet CA's key nor
/// the hub's fleet key, so a stolen hub cannot make a release gateways install.
package struct ReleaseSigner: Sendable {
    private let signer: DocumentSigner

    /// A signer from the release key's PEM.
    package init(privateKeyPEM: String) throws(SigningError) {
        signer = try DocumentSigner(privateKeyPEM: privateKeyPEM)
    }

    /// A signer with a fresh key: for tests and benchmarks.
    package static func generate() -> ReleaseSigner { ReleaseSigner(signer: .generate()) }

    /// A new release key, PEM: the private half (PKCS#8) and the public half.
    package static func newKey() -> (privatePEM: String, publicPEM: String) {
        let key = P256.Signing.PrivateKey()
        return (key.pemRepresentation, key.publicKey.pemRepresentation)
    }

    private init(signer: DocumentSigner) { self.signer = signer }

    /// The public half, PEM: what gateways verify releases with (`release.pem`).
    package var publicKeyPEM: String { signer.publicKeyPEM }

    /// The signed manifest's bytes, as `ReleaseVerifier.open` reads them.
    package func sign(_ manifest: ReleaseManifest) throws -> [UInt8] {
        if let problem = manifest.problem { throw SigningError(.invalidDocument, "the manifest's \(problem)") }
        return try signer.sign(manifest, topic: ReleaseManifest.signingDomain)
    }
}

/// Checks a release against the release key's public half, then its file against the manifest.
package struct ReleaseVerifier: Sendable {
    private let verifier: DocumentVerifier

    /// A verifier for the release key's public half, PEM.
    package init(publicKeyPEM: String) throws(SigningError) {
        verifier = try DocumentVerifier(publicKeyPEM: publicKeyPEM)
    }

    /// The manifest in `signed`, once its signature holds and every field is in range.
    package func open(_ signed: [UInt8]) throws(DocumentError) -> ReleaseManifest {
        try verifier.open(
            signed, topic: ReleaseManifest.signingDomain, as: ReleaseManifest.self, signer: "the release key")
    }

    /// Why the release `manifest` describes is not for a gateway of `architecture` running
    /// `running`, or nil: the checks that need no file.
    package func refusal(of manifest: ReleaseManifest, running: ReleaseVersion, architecture: String) -> String? {
        if manifest.architecture != architecture {
            return "release \(manifest.version) is for \(manifest.architecture), this gateway is \(architecture)"
        }
        if manifest.version <= running {
            return "release \(manifest.version) is not newer than \(running), which this gateway runs"
        }
        return nil
    }
}

/// A release's file measured as its manifest describes it: size and SHA-256, read in pieces so a
/// 60 MB binary never sits in memory whole.
package enum ReleaseFile {
    /// The size and SHA-256 (lower-case hex) of the file at `path`.
    package static func measure(_ path: String) throws(FileIO.Failure) -> (size: Int64, sha256: String) {
        var digest = ReleaseDigest()
        try FileIO.readPieces(path) { digest.update($0) }
        return (digest.size, digest.hex)
    }

    /// Why the file at `path` is not the one `manifest` describes, or nil.
    package static func mismatch(_ manifest: ReleaseManifest, path: String) -> String? {
        let measured: (size: Int64, sha256: String)
        do {
            measured = try measure(path)
        } catch {
            return "the release file cannot be read: \(error)"
        }
        if measured.size != manifest.size {
            return "the file is \(measured.size) bytes, the manifest says \(manifest.size)"
        }
        if measured.sha256 != manifest.sha256 {
            return "the file's SHA-256 is \(measured.sha256), the manifest says \(manifest.sha256)"
        }
        return nil
    }

    /// The SHA-256 (lower-case hex) of `bytes`: a release held in memory (an upload to the hub).
    package static func sha256(_ bytes: [UInt8]) -> String {
        var digest = ReleaseDigest()
        digest.update(bytes[...])
        return digest.hex
    }
}

/// A release's size and SHA-256 taken piece by piece, as it is read or as it arrives.
package struct ReleaseDigest {
    private var hash = SHA256()
    /// The bytes taken so far.
    package private(set) var size: Int64 = 0

    package init() {}

    package mutating func update(_ piece: ArraySlice<UInt8>) {
        hash.update(data: piece)
        size += Int64(piece.count)
    }

    /// The SHA-256 of what was taken, 64 lower-case hexadecimal digits.
    package var hex: String {
        hash.finalize().map { String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
    }
}

import Logging
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Synchronization
import Testing

@testable import OutpostHub

/// The hub's side of releases on every backend: uploads checked against their signed manifest
/// and kept byte for byte in chunks, offers signed for one gateway, and requests for bytes
/// answered exactly, whatever a gateway asks.
@Suite("Release desk: uploads, offers and requests for bytes on every backend")
struct ReleaseDeskTests {
    /// What the desk published, by topic.
    final class Published: Sendable {
        let messages = Mutex<[(topic: String, payload: [UInt8], retain: Bool)]>([])
        func take() -> [(topic: String, payload: [UInt8], retain: Bool)] {
            messages.withLock { list in
                defer { list = [] }
                return list
            }
        }
    }

    static let file: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }

    func manifest(_ bytes: [UInt8], version: String, signer: ReleaseSigner) throws -> [UInt8] {
        try signer.sign(
            ReleaseManifest(
                version: try #require(ReleaseVersion(version)), architecture: "arm64", file: "outpost-agent",
                size: Int64(bytes.count), sha256: ReleaseFile.sha256(bytes), issuedAt: 1_796_000_000_000_000_000))
    }

    @Test(
        "An upload is checked, kept byte for byte, once; offers are signed per gateway; bytes are served exactly",
        arguments: StoreBackend.allCases)
    func desk(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let fleet = FleetSigner.generate()
        let release = ReleaseSigner.generate()
        let published = Published()
        let desk = ReleaseDesk(
            store: store, signer: fleet, verifier: try ReleaseVerifier(publicKeyPEM: release.publicKeyPEM),
            clock: { 1_796_000_000_000_000_000 }, logger: Logger(label: "test")
        ) { topic, payload, retain in
            published.messages.withLock { $0.append((topic, payload, retain)) }
            return true
        }
        let signed = try manifest(Self.file, version: "0.2.0", signer: release)

        // Refused: another key, a file of another size, one flipped byte; nothing stored.
        let forged = try manifest(Self.file, version: "0.2.0", signer: ReleaseSigner.generate())
        await #expect(throws: ReleaseDesk.Refusal.self) {
            try await desk.upload(manifest: forged, file: Self.file, author: "admin")
        }
        var flipped = Self.file
        flipped[150_000] ^= 1
        for (file, why) in [(Array(Self.file.dropLast()), "bytes"), (flipped, "SHA-256")] {
            do {
                _ = try await desk.upload(manifest: signed, file: file, author: "admin")
                Issue.record("a file that does not match was stored")
            } catch let refusal as ReleaseDesk.Refusal {
                #expect(refusal.code == "file_mismatch" && refusal.description.contains(why), "\(refusal)")
            }
        }
        await #expect(throws: ReleaseDesk.Refusal.self) {
            try await desk.upload(manifest: Array("not json".utf8), file: Self.file, author: "admin")
        }
        #expect(try await store.releases(version: nil).isEmpty)

        let stored = try await desk.upload(manifest: signed, file: Self.file, author: "admin")
        #expect(stored.size == 200_000 && stored.chunkCount == 4 && stored.author == "admin")
        do {
            _ = try await desk.upload(manifest: signed, file: Self.file, author: "other")
            Issue.record("the same version and architecture was stored twice")
        } catch let refusal as ReleaseDesk.Refusal {
            #expect(refusal.code == "exists")
        }
        #expect(try await store.releases(version: "0.2.0") == [stored])
        #expect(try await store.releaseChunk(version: "0.2.0", architecture: "arm64", index: 4) == nil)

        // An offer: retained, on the gateway's topic, signed for it alone.
        #expect(try await desk.offer(gateway: "gw-1", version: "0.2.0", trialSeconds: 90))
        let offers = published.take()
        #expect(offers.count == 1 && offers[0].topic == "outpost/v1/gw-1/release" && offers[0].retain)
        let verifier = try FleetVerifier(publicKeyPEM: fleet.publicKeyPEM)
        let offer = try verifier.open(offers[0].payload, topic: "outpost/v1/gw-1/release", as: ReleaseOffer.self)
        #expect(offer.manifests == [String(decoding: signed, as: UTF8.self)] && offer.trialSeconds == 90)
        #expect(throws: DocumentError.self) {
            try verifier.open(offers[0].payload, topic: "outpost/v1/gw-2/release", as: ReleaseOffer.self)
        }
        await #expect(throws: ReleaseDesk.Refusal.self) {
            try await desk.offer(gateway: "gw-1", version: "9.9.9", trialSeconds: 90)
        }

        // Requests: any offset, across chunk boundaries, cut at the end; the bytes exact.
        func serve(_ offset: Int64, _ length: Int64, version: String = "0.2.0") async -> [UInt8]? {
            await desk.serve(
                gateway: "gw-1",
                ReleaseRequest(version: version, architecture: "arm64", offset: offset, length: length).encoded())
            let chunks = published.take()
            guard !chunks.isEmpty else { return nil }
            var bytes: [UInt8] = []
            var next = offset
            for message in chunks {
                #expect(message.topic == "outpost/v1/gw-1/release-chunk" && !message.retain)
                guard let chunk = ReleaseChunk(encoded: message.payload), chunk.offset == next else { return nil }
                bytes += chunk.bytes
                next += Int64(chunk.bytes.count)
            }
            return bytes
        }
        #expect(await serve(0, 200_000) == Self.file)
        #expect(await serve(65_535, 3) == Array(Self.file[65_535..<65_538]))
        #expect(await serve(100_000, 1_048_576) == Array(Self.file[100_000...]), "cut at the end")
        #expect(await serve(199_999, 1) == [Self.file[199_999]])
        #expect(await serve(200_000, 1) == nil, "past the end: nothing")
        #expect(await serve(0, 10, version: "0.3.0") == nil, "a release the hub does not have: nothing")
        for garbage in ["", "{", "[]", #"{"version":"0.2.0","architecture":"arm64","offset":-1,"length":1}"#] {
            await desk.serve(gateway: "gw-1", Array(garbage.utf8))
        }
        #expect(published.take().isEmpty)
        await store.close()
    }
}

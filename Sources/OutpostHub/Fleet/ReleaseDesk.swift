import Logging
import OutpostSigning
import OutpostSystem
import OutpostWire
import Synchronization

/// Agent releases on the hub (docs/releases.md, "Over the air"): an admin's upload is checked
/// against its signed manifest and kept in chunks in the store; a rollout offers it to gateways
/// on their release topics (retained, signed with the fleet key); gateways fetch its bytes by
/// asking for windows on their release-get topics, answered with chunks on release-chunk.
package final class ReleaseDesk: Sendable {
    let store: any HubStore
    let signer: FleetSigner
    /// Checks manifests at upload when hub.toml names the release key's public half; gateways
    /// check them in any case.
    let verifier: ReleaseVerifier?
    /// Publishes on a topic, retained or not; false when it could not (the broker away).
    let publish: @Sendable (_ topic: String, _ payload: [UInt8], _ retain: Bool) -> Bool
    /// Bytes of chunks published that the broker has not taken yet: held in the hub's memory.
    let backlog: @Sendable () -> Int
    let clock: WallClock
    let logger: Logger
    /// Gateways whose request is being answered now: one window at a time per gateway, so a
    /// gateway asking in a loop costs the hub no more than one asking properly.
    private let serving = Mutex<Set<String>>([])

    /// The most chunk bytes the hub holds for the broker at once: a release to a thousand
    /// gateways waits for the broker rather than filling the hub's memory.
    package static let maxBacklog = 32 << 20

    package init(
        store: any HubStore, signer: FleetSigner, verifier: ReleaseVerifier?,
        clock: @escaping WallClock = systemWallClock, logger: Logger, backlog: @escaping @Sendable () -> Int = { 0 },
        publish: @escaping @Sendable (_ topic: String, _ payload: [UInt8], _ retain: Bool) -> Bool
    ) {
        (self.store, self.signer, self.verifier, self.clock, self.logger) = (store, signer, verifier, clock, logger)
        (self.publish, self.backlog) = (publish, backlog)
    }

    /// Why an upload was refused.
    package struct Refusal: Error, CustomStringConvertible {
        /// `bad_manifest`, `file_mismatch` or `exists`.
        package let code: String
        package let description: String
    }

    /// Checks `file` against the signed manifest `signed` and stores it; returns it as stored.
    package func upload(manifest signed: [UInt8], file: [UInt8], author: String) async throws -> StoredRelease {
        let manifest: ReleaseManifest
        do throws(DocumentError) {
            if let verifier {
                manifest = try verifier.open(signed)
            } else {
                manifest = try Self.unverifiedManifest(signed)
            }
        } catch {
            throw Refusal(code: "bad_manifest", description: "the manifest is refused: \(error.description)")
        }
        if Int64(file.count) != manifest.size {
            throw Refusal(
                code: "file_mismatch",
                description: "the file is \(file.count) bytes, the manifest says \(manifest.size)")
        }
        let sha256 = ReleaseFile.sha256(file)
        guard sha256 == manifest.sha256 else {
            throw Refusal(
                code: "file_mismatch",
                description: "the file's SHA-256 is \(sha256), the manifest says \(manifest.sha256)")
        }
        let chunkSize = ReleaseOffer.defaultChunkSize
        let release = StoredRelease(
            version: manifest.version.description, architecture: manifest.architecture,
            manifest: String(decoding: signed, as: UTF8.self), size: manifest.size, sha256: sha256,
            chunkSize: chunkSize, uploadedAt: clock(), author: author)
        let chunks = stride(from: 0, to: file.count, by: chunkSize).map {
            Array(file[$0..<min($0 + chunkSize, file.count)])
        }
        guard try await store.addRelease(release, chunks: chunks) else {
            throw Refusal(
                code: "exists",
                description: "release \(release.version) for \(release.architecture) is on the hub already")
        }
        logger.notice(
            "release uploaded",
            metadata: ["version": "\(release.version)", "architecture": "\(release.architecture)", "by": "\(author)"])
        return release
    }

    /// The manifest in a signed envelope, its signature unchecked (this hub has no release key).
    private static func unverifiedManifest(_ signed: [UInt8]) throws(DocumentError) -> ReleaseManifest {
        let envelope = try SignedHubDocument(json: signed)
        return try DocumentJSON.decode(
            Array(envelope.payload.utf8), maxBytes: SignedHubDocument.maxBytes, what: "release manifest")
    }

    /// Offers release `version` (every architecture uploaded) to `gateway`, retained: whether the
    /// broker took it now. Throws when no such release is on the hub.
    @discardableResult
    package func offer(gateway: String, version: String, trialSeconds: Int64) async throws -> Bool {
        let releases = try await store.releases(version: version)
        guard !releases.isEmpty else { throw Refusal(code: "no_release", description: "no release \(version)") }
        let offer = ReleaseOffer(
            gateway: gateway, version: version, issuedAt: clock(), manifests: releases.prefix(8).map(\.manifest),
            chunkSize: releases[0].chunkSize, trialSeconds: trialSeconds)
        let topic = GatewayTopics(gateway: gateway).release
        return publish(topic, try signer.sign(offer, topic: topic), true)
    }

    /// Answers a gateway's request for release bytes with the chunks it covers; a request that
    /// cannot be read, or for a release the hub does not have, is logged and dropped.
    package func serve(gateway: String, _ payload: [UInt8]) async {
        let request: ReleaseRequest
        do throws(DocumentError) {
            request = try ReleaseRequest(json: payload)
        } catch {
            logger.warning(
                "a release request was refused", metadata: ["gateway": "\(gateway)", "error": "\(error.description)"])
            return
        }
        guard serving.withLock({ $0.insert(gateway).inserted }) else { return }
        defer {
            _ = serving.withLock { $0.remove(gateway) }
            FreedMemory.giveBack()
        }

        do {
            guard
                let release = try await store.releases(version: request.version).first(where: {
                    $0.architecture == request.architecture
                })
            else {
                logger.warning(
                    "a gateway asked for a release the hub does not have",
                    metadata: ["gateway": "\(gateway)", "version": "\(request.version)"])
                return
            }
            // A damaged store is not trusted to divide by.
            guard release.chunkSize > 0 else { return }
            let end = min(release.size, request.offset + request.length)  // both at most 256 MiB
            var offset = request.offset
            let topic = GatewayTopics(gateway: gateway).releaseChunk
            while offset < end {
                // Wait, holding nothing, for the broker to take what is queued (at most 20 s: the
                // gateway asks again).
                let deadline = ContinuousClock.now + .seconds(20)
                while backlog() > Self.maxBacklog {
                    guard ContinuousClock.now < deadline else { return }
                    try await Task.sleep(for: .milliseconds(5))
                }
                let index = offset / Int64(release.chunkSize)
                guard
                    let chunk = try await store.releaseChunk(
                        version: release.version, architecture: release.architecture, index: index)
                else { return }
                let from = Int(offset - index * Int64(release.chunkSize))
                let upTo = min(chunk.count, from + Int(end - offset))
                guard from < upTo else { return }
                let piece = ReleaseChunk(
                    version: release.version, architecture: release.architecture, offset: offset,
                    bytes: Array(chunk[from..<upTo]))
                guard publish(topic, piece.encoded(), false) else { return }
                offset += Int64(upTo - from)
            }
        } catch {
            logger.error(
                "could not read a release to send", metadata: ["gateway": "\(gateway)", "error": "\(error)"])
        }
    }

    /// Offers again each gateway the newest release a rollout sent it (after the broker restarted,
    /// which may have lost what it retained); agents ignore what they run or gave up.
    package func republish() async throws -> Int {
        var offered: Set<String> = []
        for rollout in try await store.rollouts(running: false, limit: 100) {
            guard let version = rollout.release else { continue }
            for target in rollout.targets where target.pushedAt != nil && !offered.contains(target.gateway) {
                offered.insert(target.gateway)
                try await offer(gateway: target.gateway, version: version, trialSeconds: rollout.trialSeconds)
            }
        }
        return offered.count
    }
}

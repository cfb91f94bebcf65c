import Foundation
import HTTPTypes
import Hummingbird
import OutpostWire

/// Agent releases: admins upload a signed release; everyone signed in sees what the hub holds.
/// Rolling one out is a rollout (`RolloutRoutes`).
struct ReleaseRoutes {
    let services: HubServices

    /// The header that carries the signed manifest, base64.
    static let manifestHeader = HTTPField.Name("Outpost-Release-Manifest")

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/releases", .role(.viewer)) { _, _ in
            JSONResponse.ok(
                API.ReleaseList(releases: try await services.store.releases(version: nil).map(API.Release.init)))
        }
        routes.add(.post, "/api/v1/releases", .role(.admin)) { request, context in
            try await upload(request, context)
        }
    }

    /// `POST /api/v1/releases`: the file as the body, its signed manifest (`outpostctl release
    /// sign`) base64 in `Outpost-Release-Manifest`; checked, stored, audited.
    private func upload(_ incoming: Request, _ context: HubRequestContext) async throws -> Response {
        guard let desk = services.releases else { throw APIError.noFleetKey("release offers") }
        guard let header = Self.manifestHeader.flatMap({ incoming.headers[$0] }),
            let manifest = Data(base64Encoded: header.trimmingCharacters(in: .whitespaces)),
            (1...SignedHubDocument.maxBytes).contains(manifest.count)
        else {
            throw APIError.badRequest(
                "missing_manifest",
                "give the signed manifest (outpostctl release sign), base64, in the Outpost-Release-Manifest header")
        }
        var request = incoming
        let file: [UInt8]
        do {
            let limit = Int(ReleaseManifest.maxSize)
            file = Array(buffer: try await request.collectBody(upTo: limit))
        } catch {
            throw APIError(.contentTooLarge, "too_large", "a release is at most \(ReleaseManifest.maxSize) bytes")
        }
        let stored: StoredRelease
        do {
            stored = try await desk.upload(manifest: Array(manifest), file: file, author: context.identity?.name ?? "?")
        } catch let refusal as ReleaseDesk.Refusal {
            throw APIError(refusal.code == "exists" ? .conflict : .badRequest, refusal.code, refusal.description)
        }
        await services.audit(
            context, "release.upload", "release \(stored.version)",
            "\(stored.architecture), \(stored.size) bytes, SHA-256 \(stored.sha256)")
        return JSONResponse.make(.created, API.ReleaseUploaded(release: API.Release(stored)))
    }
}

import ArgumentParser
import Foundation
import OutpostCLI
import OutpostSystem
import OutpostWire

extension Release {
    /// `outpostctl release upload`.
    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload a signed release to the hub (admin): its file and its manifest, checked there.")
        @Argument(help: "The release's file: the agent's binary.") var file: String
        @Option(help: "Its manifest (default FILE.manifest).") var manifest: String?
        @OptionGroup var hub: Config.Hub

        func run() async throws {
            let signed = try FileIO.read(manifest ?? file + ".manifest", limit: SignedHubDocument.maxBytes)
            let bytes = try FileIO.read(file, limit: Int(ReleaseManifest.maxSize))
            let answer = try await hub.connection("admin").call(
                .POST, "/api/v1/releases",
                raw: (bytes, [("Outpost-Release-Manifest", Data(signed).base64EncodedString())]))
            let release = answer["release"] as? [String: Any] ?? [:]
            FileIO.printOut(
                Array(
                    ("release \(release["version"] as? String ?? "?") for \(release["architecture"] as? String ?? "?") "
                        + "uploaded (\(bytes.count) bytes); roll it out with outpostctl release rollout\n").utf8))
        }
    }

    /// `outpostctl release list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The releases the hub holds, newest first.")
        @OptionGroup var hub: Config.Hub

        func run() async throws {
            let answer = try await hub.connection("viewer").call(.GET, "/api/v1/releases")
            var text = ""
            for release in answer["releases"] as? [[String: Any]] ?? [] {
                text +=
                    "\(release["version"] as? String ?? "?") \(release["architecture"] as? String ?? "?") "
                    + "\(release["size"] as? Int64 ?? 0) bytes, by \(release["author"] as? String ?? "?")\n"
            }
            FileIO.printOut(Array((text.isEmpty ? "no releases on the hub\n" : text).utf8))
        }
    }

    /// `outpostctl release rollout`.
    struct Rollout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Offer a release the hub holds to the gateways of a label or a list (admin): a few first, the rest once they run it.",
            discussion: RolloutOptions.discussion)
        @Argument(help: "The release's version, MAJOR.MINOR.PATCH.") var version: String
        @OptionGroup var rollout: RolloutOptions
        @OptionGroup var hub: Config.Hub

        func run() async throws {
            try await rollout.start(["release": version], connection: hub.connection("admin"))
        }
    }
}

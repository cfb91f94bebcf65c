import ArgumentParser
import OutpostCLI
import OutpostHub
import OutpostSigning
import OutpostSystem
import OutpostWire

/// `outpost-hub check-frame`: runs one frame file through ingest's checks.
struct CheckFrame: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-frame",
        abstract:
            "Decode and authenticate a frame file exactly as ingest would; print it as JSON or say why it is refused.")

    @Argument(help: "The frame file: binary, or its JSON rendering with --json-input.")
    var file: String

    @Option(name: .customLong("public-key"), help: "The gateway's public key (PEM) the signature must verify against.")
    var publicKey: String

    @Flag(name: .customLong("json-input"), help: "The file holds the JSON rendering of a frame.")
    var jsonInput = false

    func run() throws {
        let keyPEM = String(decoding: try FileIO.read(publicKey), as: UTF8.self)
        let bytes = try FileIO.read(file)
        let gateway: String
        do {
            gateway = jsonInput ? try FrameJSON.parse(bytes).gatewayID : try FrameDecoder().claimedGateway(of: bytes)
        } catch {
            throw CommandFailure("\(file): \(error)")
        }
        let verifier = try GatewayKeyVerifier(gateway: gateway, publicKeyPEM: keyPEM)
        let intake = FrameIntake(verifier: verifier)
        do {
            let frame = jsonInput ? try intake.accept(json: bytes) : try intake.accept(binary: bytes)
            FileIO.printOut(try FrameJSON.render(frame) + [0x0A])
        } catch {
            throw CommandFailure("\(file): \(error)")
        }
    }
}

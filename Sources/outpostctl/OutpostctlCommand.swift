import ArgumentParser
import OutpostCLI
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostWire

/// `outpostctl`: the operator's tool for provisioning gateways and inspecting their data.
@main
struct OutpostctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpostctl",
        abstract: "Provision Outpost gateways: keys, bundles, broker configuration, enrolment; inspect batch frames.",
        version: "outpostctl \(OutpostVersion.current)",
        subcommands: [
            CA.self, BrokerConfig.self, Provision.self, Enroll.self, Revoke.self, Fleet.self, Config.self,
            Diagnose.self, Release.self, Keygen.self,
            Frame.self,
        ])
}

/// `outpostctl keygen`: a gateway's signing key pair.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a gateway's P-256 signing key pair: ID.key (private, mode 0600) and ID.pub.")

    @Option(name: .customLong("gateway"), help: "The gateway id: 1-128 of A-Z a-z 0-9 . _ -")
    var gatewayID: String

    @Option(name: .customLong("out"), help: "The folder to write the keys into.")
    var folder = "."

    func validate() throws {
        guard BatchFrame.isValidGatewayID(gatewayID) else {
            throw ValidationError("'\(gatewayID)' is not a gateway id: use 1-128 of A-Z a-z 0-9 . _ -")
        }
    }

    func run() throws {
        let identity = try GatewayIdentity.generate(gatewayID: gatewayID)
        let base = folder.hasSuffix("/") ? folder + gatewayID : folder + "/" + gatewayID
        try FileIO.write(Array(identity.privateKeyPEM.utf8), to: base + ".key", mode: 0o600)
        try FileIO.write(Array(identity.publicKeyPEM.utf8), to: base + ".pub", mode: 0o644)
        FileIO.printOut(Array("wrote \(base).key and \(base).pub\n".utf8))
    }
}

/// `outpostctl frame`: look inside batch frames.
struct Frame: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and build batch frames.", subcommands: [Show.self, Pack.self])

    /// `outpostctl frame show`: binary frame → JSON.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a binary frame as JSON; with --public-key, verify its signature first.")

        @Argument(help: "The binary frame file.")
        var file: String

        @Option(name: .customLong("public-key"), help: "The sending gateway's public key (PEM).")
        var publicKey: String?

        @Flag(help: "One line instead of indented JSON.")
        var compact = false

        func run() throws {
            let bytes = try FileIO.read(file)
            let decoder = FrameDecoder()
            do {
                let frame: BatchFrame
                if let publicKey {
                    let pem = String(decoding: try FileIO.read(publicKey), as: UTF8.self)
                    let verifier = try GatewayKeyVerifier(
                        gateway: try decoder.claimedGateway(of: bytes), publicKeyPEM: pem)
                    frame = try decoder.decode(bytes, verifier: verifier)
                } else {
                    frame = try decoder.decode(bytes, verifier: AcceptAnySignature())
                }
                FileIO.printOut(try FrameJSON.render(frame, pretty: !compact) + [0x0A])
            } catch let error as WireError {
                throw CommandFailure("\(file): \(error)")
            }
        }
    }

    /// `outpostctl frame pack`: JSON → binary frame.
    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Turn the JSON rendering of a frame back into the binary frame, keeping its signature or, with --key, signing it afresh."
        )

        @Argument(help: "The JSON frame file.")
        var file: String

        @Option(name: .shortAndLong, help: "Where to write the binary frame.")
        var output: String

        @Option(help: "Sign with this gateway private key (PEM) instead of keeping the JSON's signature.")
        var key: String?

        func run() throws {
            let json = try FileIO.read(file)
            let bytes: [UInt8]
            do {
                if let key {
                    let signer = try GatewayFrameSigner(
                        privateKeyPEM: String(decoding: try FileIO.read(key), as: UTF8.self))
                    bytes = try FrameJSON.parse(json).encoded(signer: signer)
                } else {
                    bytes = try FrameJSON.binary(fromJSON: json)
                }
            } catch let error as WireError {
                throw CommandFailure("\(file): \(error)")
            } catch let error as SigningError {
                throw CommandFailure("\(key ?? file): \(error)")
            }
            try FileIO.write(bytes, to: output)
        }
    }
}

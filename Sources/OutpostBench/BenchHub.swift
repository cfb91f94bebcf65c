import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostWire

/// `outpost-hub serve` as the benchmarks and the fault run start it: its configuration, the
/// gateways enrolled in its store before it starts, and the process.
package enum BenchHub {
    /// Writes a configuration to `path` for a hub storing in `dataDirectory` and reading the broker
    /// on `brokerPort` as `clientID`; `extra` adds sections.
    /// With `store`, the hub uses it; with `sharedGroup`, it is one of several replicas.
    /// Returns the port its HTTP server will listen on.
    @discardableResult
    package static func writeConfiguration(
        to path: String, dataDirectory: String, brokerPort: Int, clientID: String, extra: String = "",
        store: BenchStore? = nil, sharedGroup: String? = nil, fleetKey: String? = nil
    ) throws -> Int {
        let port = try LoopbackPort.free(in: .benchmarks)
        let text = """
            [hub]
            listen = "127.0.0.1:\(port)"
            data_dir = "\(dataDirectory)"
            \(store?.hubKeys ?? "")

            [broker]
            url = "mqtt://127.0.0.1:\(brokerPort)"
            client_id = "\(clientID)"
            \(sharedGroup.map { "shared_group = \"\($0)\"" } ?? "")
            \(fleetKey.map { "fleet_key = \"\($0)\"" } ?? "")

            \(store?.postgresSection ?? "")
            \(extra)
            """
        try FileIO.write(Array(text.utf8), to: path)
        return port
    }

    /// Enrols `identity`'s gateway with its public key in `store`.
    package static func enrol(_ identity: GatewayIdentity, in store: any HubStore) async throws {
        try await store.enrol(
            gateway: identity.gatewayID, publicKey: try GatewayKeyVerifier.rawPublicKey(pem: identity.publicKeyPEM),
            latitude: nil, longitude: nil, at: systemWallClock())
    }

    /// Starts the hub beside this program with the configuration at `path`; returns once it has
    /// said `ready`. With `log`, its output is kept there.
    package static func start(configuration path: String, ready: String, log: String? = nil) throws -> SpawnedProcess {
        try SpawnedProcess(
            executable: SpawnedProcess.beside("outpost-hub"), arguments: ["serve", "--config", path], ready: ready,
            readyOnStderr: true, log: log)
    }
}

import Crypto
import OutpostProvisioning
import OutpostSystem

/// A Mosquitto with two loopback listeners: TLS with client certificates from a fresh CA (what a
/// gateway's link is), and plain (for the bench's own peers and observers, whose bytes are not
/// the gateway's).
package struct TLSBenchBroker {
    package let process: SpawnedProcess
    package let plainPort: Int
    package let tlsPort: Int
    package let authority: CertificateAuthority
    let folder: String

    /// Makes the CA and the broker's certificate in `folder`, and starts the broker.
    package init(in folder: String) throws {
        self.folder = folder
        authority = try CertificateAuthority.create(in: folder + "/ca", force: true)
        let key = P256.Signing.PrivateKey()
        let certificate = try authority.issue(
            commonName: "broker-bench", publicKey: key.publicKey, use: .server(names: ["127.0.0.1"]))
        try FileIO.write(Array(key.pemRepresentation.utf8), to: folder + "/broker.key", mode: 0o600)
        try FileIO.write(Array(try certificate.serializeAsPEM().pemString.utf8), to: folder + "/broker.pem")
        plainPort = try LoopbackPort.free(in: .benchmarks)
        tlsPort = try LoopbackPort.free(in: .benchmarks)
        let config = """
            per_listener_settings true
            max_queued_messages 0
            max_inflight_messages 0
            log_dest stderr
            user root
            listener \(plainPort) 127.0.0.1
            allow_anonymous true
            listener \(tlsPort) 127.0.0.1
            allow_anonymous false
            cafile \(authority.certificatePath)
            certfile \(folder)/broker.pem
            keyfile \(folder)/broker.key
            require_certificate true
            use_identity_as_username true
            tls_version tlsv1.2

            """
        try FileIO.write(Array(config.utf8), to: folder + "/mosquitto.conf")
        process = try SpawnedProcess(
            executable: "/usr/sbin/mosquitto", arguments: ["-c", folder + "/mosquitto.conf"],
            ready: "Opening ipv4 listen socket on port \(tlsPort)", readyOnStderr: true)
    }

    /// A client identity for `name`: the paths of its key and certificate.
    package func identity(_ name: String) throws -> (key: String, certificate: String) {
        let key = P256.Signing.PrivateKey()
        let certificate = try authority.issue(commonName: name, publicKey: key.publicKey, use: .client)
        let (keyPath, certificatePath) = (folder + "/\(name).key", folder + "/\(name).pem")
        try FileIO.write(Array(key.pemRepresentation.utf8), to: keyPath, mode: 0o600)
        try FileIO.write(Array(try certificate.serializeAsPEM().pemString.utf8), to: certificatePath)
        return (keyPath, certificatePath)
    }

    package func stop() { process.stop() }
}

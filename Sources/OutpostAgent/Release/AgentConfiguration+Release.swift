import OutpostSigning

extension AgentConfiguration {
    /// The verifier of agent releases, from `[uplink] release_key`; nil when none is given.
    package func releaseVerifier() throws -> ReleaseVerifier? {
        guard let path = uplink.releaseKeyFile else { return nil }
        return try ReleaseVerifier(publicKeyPEM: try AgentFiles.readText(path))
    }
}

import ArgumentParser
import OutpostConfig
import OutpostProvisioning
import OutpostSystem

/// `outpostctl provision`.
struct Provision: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Make a gateway's bundle: its key and certificate (CN = its id), the CA, agent.toml and first-boot.sh.")

    @Argument(help: "The gateway id.") var gatewayID: String
    @Option(help: "The CA's folder.") var ca: String
    @Option(help: "The broker's URL, mqtts://host:port.") var broker: String
    @Option(help: "A TOML file with the gateway's [[modbus]], [[gpio]] and [[serial]] tables.") var sources: String
    @Option(help: "A folder, or a FILE.tar.gz.") var out: String
    @Option(help: "The templates folder (default: the installed provisioning/).") var templates: String?
    @Option(name: .customLong("config-dir"), help: "Where the bundle will live on the gateway.")
    var configDirectory = "/etc/outpost"
    @Option(name: .customLong("data-dir"), help: "The agent's data folder on the gateway.")
    var dataDirectory = "/var/lib/outpost"
    @Option(
        name: .customLong("release-key"),
        help:
            "The release key's public half (release.pem, outpostctl release keygen): the gateway installs releases it signed."
    )
    var releaseKey: String?

    private var certificateBeside: String {
        let folder = out.contains("/") ? String(out[..<(out.lastIndex(of: "/") ?? out.startIndex)]) : "."
        return folder + "/\(gatewayID).pem"
    }

    func run() throws {
        let sourcesText = String(decoding: try FileIO.read(sources), as: UTF8.self)
        let releaseKeyPEM = try releaseKey.map { String(decoding: try FileIO.read($0), as: UTF8.self) }
        try provisioning {
            let bundle = try ProvisioningBundle.make(
                gatewayID: gatewayID, broker: broker, sourcesTOML: sourcesText, sourcesName: sources,
                authority: try CertificateAuthority.open(ca),
                templates: templates ?? SharedFiles.locate("provisioning", containing: "agent.toml"),
                configDirectory: configDirectory, dataDirectory: dataDirectory, releaseKeyPEM: releaseKeyPEM)
            try bundle.write(to: out)
            if out.hasSuffix(".tar.gz") || out.hasSuffix(".tgz") {
                // The certificate (public) beside the archive, for `outpostctl enroll`.
                try FileIO.write(bundle.certificatePEM, to: certificateBeside)
            }
        }
        FileIO.printOut(
            Array(
                """
                wrote the bundle of \(gatewayID) to \(out)
                next: outpostctl enroll \(gatewayID) --hub URL --token TOKEN --cert \(out.hasSuffix(".tar.gz") || out.hasSuffix(".tgz") ? certificateBeside : out + "/\(gatewayID).pem")
                      then copy the bundle to the gateway's boot partition as outpost/ and power it on

                """.utf8))
    }
}

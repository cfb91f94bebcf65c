import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `outpostctl keygen`, `outpostctl frame show|pack` and `outpost-hub check-frame` on real files.
@Suite("Frame and key tools")
struct FrameToolTests {
    static let golden = packageRoot() + "/Tests/OutpostWireTests/Golden"

    @Test("keygen writes a private key only its owner can read, and a public key")
    func keygen() throws {
        let folder = try TemporaryFolder()
        let outcome = try ChildProcess.run(
            Binaries.path("outpostctl"), ["keygen", "--gateway", "pump-house-2", "--out", folder.path])
        #expect(outcome.exitStatus == 0, "\(outcome)")
        var info = stat()
        #expect(stat(folder.file("pump-house-2.key"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(String(decoding: readFileBytes(folder.file("pump-house-2.key")), as: UTF8.self).contains("PRIVATE KEY"))
        #expect(
            String(decoding: readFileBytes(folder.file("pump-house-2.pub")), as: UTF8.self).contains("BEGIN PUBLIC KEY")
        )
        #expect(!outcome.stdout.contains("PRIVATE"))
    }

    @Test("keygen refuses a bad gateway id with usage")
    func keygenBadID() throws {
        let outcome = try ChildProcess.run(Binaries.path("outpostctl"), ["keygen", "--gateway", "a b"])
        #expect(outcome.exitStatus == 64)
        #expect(outcome.stderr.hasPrefix("Error: 'a b' is not a gateway id"))
        #expect(outcome.stderr.contains("Usage: outpostctl keygen"))
    }

    @Test("frame show prints the golden JSON; frame pack turns it back into the same bytes")
    func showAndPack() throws {
        let show = try ChildProcess.run(
            Binaries.path("outpostctl"),
            ["frame", "show", Self.golden + "/frame-v1.bin", "--public-key", Self.golden + "/golden-gw-01.pub"])
        #expect(show.exitStatus == 0, "\(show)")
        #expect(show.stdout == String(decoding: readFileBytes(Self.golden + "/frame-v1.json"), as: UTF8.self))

        let folder = try TemporaryFolder()
        let pack = try ChildProcess.run(
            Binaries.path("outpostctl"),
            ["frame", "pack", Self.golden + "/frame-v1.json", "-o", folder.file("out.bin")])
        #expect(pack.exitStatus == 0, "\(pack)")
        #expect(readFileBytes(folder.file("out.bin")) == readFileBytes(Self.golden + "/frame-v1.bin"))
    }

    @Test(
        "frame pack --key signs afresh: the golden frame re-signed verifies with the gateway's public key, equal but for its signature; a bad key is refused by file"
    )
    func packWithKey() throws {
        let folder = try TemporaryFolder()
        let pack = try ChildProcess.run(
            Binaries.path("outpostctl"),
            [
                "frame", "pack", Self.golden + "/frame-v1.json", "--key", Self.golden + "/golden-gw-01.key", "-o",
                folder.file("signed.bin"),
            ])
        #expect(pack.exitStatus == 0, "\(pack)")
        let signed = readFileBytes(folder.file("signed.bin"))
        let golden = readFileBytes(Self.golden + "/frame-v1.bin")
        let unsigned = SignatureAlgorithm.signatureByteCount + 4  // the signature, and the CRC-32C after it
        #expect(
            signed.count == golden.count
                && signed.prefix(signed.count - unsigned) == golden.prefix(golden.count - unsigned))
        #expect(signed != golden, "ECDSA signatures are randomised: a fresh one differs")
        let show = try ChildProcess.run(
            Binaries.path("outpostctl"),
            ["frame", "show", folder.file("signed.bin"), "--public-key", Self.golden + "/golden-gw-01.pub"])
        #expect(show.exitStatus == 0, "\(show)")

        let badKey = folder.write(Array("not a key".utf8), to: "bad.key")
        let refused = try ChildProcess.run(
            Binaries.path("outpostctl"),
            ["frame", "pack", Self.golden + "/frame-v1.json", "--key", badKey, "-o", folder.file("x.bin")])
        #expect(refused.exitStatus == 1)
        #expect(refused.stderr.contains("bad.key:"), "\(refused)")
    }

    @Test("frame show says what is wrong with a corrupted file and exits 1")
    func showCorrupted() throws {
        let folder = try TemporaryFolder()
        var bytes = readFileBytes(Self.golden + "/frame-v1.bin")
        bytes[100] ^= 0x20
        let path = folder.write(bytes, to: "bad.bin")
        let outcome = try ChildProcess.run(Binaries.path("outpostctl"), ["frame", "show", path])
        #expect(outcome.exitStatus == 1)
        #expect(outcome.stderr.hasPrefix("Error: \(path): frame corrupted: CRC-32C stored"))

        let missing = try ChildProcess.run(Binaries.path("outpostctl"), ["frame", "show", folder.file("nope.bin")])
        #expect(missing.exitStatus == 1)
        #expect(missing.stderr.contains("nope.bin: cannot open: No such file or directory"))
    }

    @Test("check-frame accepts the golden frame with its key and refuses it with another")
    func checkFrame() throws {
        let accepted = try ChildProcess.run(
            Binaries.path("outpost-hub"),
            ["check-frame", Self.golden + "/frame-v1.bin", "--public-key", Self.golden + "/golden-gw-01.pub"])
        #expect(accepted.exitStatus == 0, "\(accepted)")
        #expect(accepted.stdout.contains("\"gateway_id\" : \"golden-gw-01\""))

        let folder = try TemporaryFolder()
        _ = try ChildProcess.run(
            Binaries.path("outpostctl"), ["keygen", "--gateway", "golden-gw-01", "--out", folder.path])
        let refused = try ChildProcess.run(
            Binaries.path("outpost-hub"),
            ["check-frame", Self.golden + "/frame-v1.bin", "--public-key", folder.file("golden-gw-01.pub")])
        #expect(refused.exitStatus == 1)
        #expect(refused.stderr.contains("frame refused (bad_signature) from 'golden-gw-01'"), "\(refused)")

        let json = try ChildProcess.run(
            Binaries.path("outpost-hub"),
            [
                "check-frame", "--json-input", Self.golden + "/frame-v1.json", "--public-key",
                Self.golden + "/golden-gw-01.pub",
            ])
        #expect(json.exitStatus == 0, "\(json)")
    }

    @Test(
        "A frame whose resolution has a ten-digit mantissa goes through frame show, frame pack and check-frame --json-input"
    )
    func tenDigitResolution() throws {
        let folder = try TemporaryFolder()
        let identity = try GatewayIdentity.generate(gatewayID: "gw-fine")
        let publicKey = folder.write(Array(identity.publicKeyPEM.utf8), to: "gw-fine.pub")
        for (index, text) in ["4294967295", "0.004294967295"].enumerated() {
            let resolution = try #require(Resolution(parsing: text))
            let bytes = try BatchFrame(
                gatewayID: "gw-fine", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: 0,
                createdMonotonic: 0,
                series: [SeriesDescriptor(id: 0, name: "fine", resolution: resolution)],
                chunks: [
                    FrameChunk(
                        seriesID: 0,
                        chunk: try Chunk(
                            encoding: SampleColumns(
                                timestamps: [10, 20], values: [resolution.step, 7 * resolution.step]),
                            resolution: resolution, clockSynchronised: true))
                ]
            ).encoded(signer: try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM))
            let binary = folder.write(bytes, to: "fine-\(index).bin")
            let show = try ChildProcess.run(Binaries.path("outpostctl"), ["frame", "show", binary])
            #expect(show.exitStatus == 0 && show.stdout.contains("\"\(text)\""), "\(show)")
            let json = folder.write(Array(show.stdout.utf8), to: "fine-\(index).json")
            let packed = folder.file("packed-\(index).bin")
            let pack = try ChildProcess.run(Binaries.path("outpostctl"), ["frame", "pack", json, "-o", packed])
            #expect(pack.exitStatus == 0, "\(pack)")
            #expect(readFileBytes(packed) == bytes)
            let checked = try ChildProcess.run(
                Binaries.path("outpost-hub"), ["check-frame", "--json-input", json, "--public-key", publicKey])
            #expect(checked.exitStatus == 0, "\(checked)")
        }
    }

    @Test("outpost-bench codec measures a CSV file and prints the documented JSON keys")
    func benchCSV() throws {
        let folder = try TemporaryFolder()
        var csv = "timestamp,value\n"
        for second in 0..<600 { csv += "\(1_767_225_600 + second),\(20 + Double(second % 7) / 10)\n" }
        let path = folder.write(Array(csv.utf8), to: "series.csv")
        let outcome = try ChildProcess.run(
            Binaries.path("outpost-bench"),
            ["codec", "--csv", path, "--resolution", "0.1", "--seconds", "0.01", "--frame-seconds", "60", "--json"])
        #expect(outcome.exitStatus == 0, "\(outcome)")
        for key in ["bytes_per_reading", "encode_readings_per_s", "decode_readings_per_s", "json_bytes_per_reading"] {
            #expect(outcome.stdout.contains("\"\(key)\":"), "missing \(key)")
        }
        #expect(outcome.stdout.contains("\"readings\":600"))

        let bad = folder.write(Array("timestamp,value\n1,2\nthree,4\n".utf8), to: "bad.csv")
        let refused = try ChildProcess.run(Binaries.path("outpost-bench"), ["codec", "--csv", bad])
        #expect(refused.exitStatus == 1)
        #expect(refused.stderr.contains("bad.csv: line 3: 'three' is not a time"), "\(refused)")
    }

    @Test("outpost-bench poll runs its own simulator, measures both cases and stops it")
    func benchPoll() throws {
        let outcome = try ChildProcess.run(
            Binaries.path("outpost-bench"), ["poll", "--seconds", "0.2", "--json"], timeout: .seconds(60))
        #expect(outcome.exitStatus == 0, "\(outcome)")
        for key in ["registers_per_s", "cpu_us_per_1000_registers", "requests_per_poll", "polls_per_s"] {
            #expect(outcome.stdout.contains("\"\(key)\":"), "missing \(key)")
        }
        #expect(outcome.stdout.contains("\"registers_per_poll\":125"))
        #expect(!outcome.stdout.contains("\"polls\":0,"), "a case made no poll: \(outcome.stdout)")
    }

    @Test(
        "outpost-bench ingest runs a small fleet through its own broker into the hub, and every frame is acknowledged")
    func benchIngest() throws {
        let folder = try TemporaryFolder()
        let outcome = try ChildProcess.run(
            Binaries.path("outpost-bench"),
            ["ingest", "--gateways", "5", "--frames", "3", "--folder", folder.path, "--json"],
            timeout: .seconds(120))
        #expect(outcome.exitStatus == 0, "\(outcome)")
        #expect(
            outcome.stdout.contains("\"frames\":15,") && outcome.stdout.contains("\"readings\":18000,"),
            "\(outcome.stdout)")
        #expect(
            outcome.stdout.contains("\"readings_per_second\":")
                && !outcome.stdout.contains("\"readings_per_second\":0,"))
    }

    @Test(
        "outpost-bench api: the chart with its breakdown, and every push to more WebSocket clients than one owner may hold (64)"
    )
    func benchAPI() throws {
        let outcome = try ChildProcess.run(
            Binaries.path("outpost-bench"), ["api", "--clients", "70", "--frames", "2", "--requests", "3", "--json"],
            timeout: .seconds(120))
        #expect(outcome.exitStatus == 0, "\(outcome)")
        #expect(outcome.stdout.contains("\"pushes_received\":140}"), "\(outcome.stdout)")
        for key in [
            "chart_p50_milliseconds", "chart_engine_p50_milliseconds", "chart_json_p50_milliseconds",
            "health_p50_milliseconds",
        ] {
            #expect(outcome.stdout.contains("\"\(key)\":"), "missing \(key)")
        }
    }

    @Test("outpost-bench query builds a store and times the four queries")
    func benchQuery() throws {
        let outcome = try ChildProcess.run(
            Binaries.path("outpost-bench"), ["query", "--gateways", "5", "--runs", "3", "--json"],
            timeout: .seconds(120))
        #expect(outcome.exitStatus == 0, "\(outcome)")
        for name in ["one series, last 24 h raw", "30 days in 1,000 buckets", "latest values", "fleet overview"] {
            #expect(outcome.stdout.contains(name), "missing \(name)")
        }
    }

    @Test("outpost-bench detect scores its generated, labelled sets and reports every fault kind, gateway ones too")
    func benchDetect() throws {
        let outcome = try ChildProcess.run(
            Binaries.path("outpost-bench"), ["detect", "--series", "4", "--gateways", "6", "--json"],
            timeout: .seconds(300))
        #expect(outcome.exitStatus == 0, "\(outcome)")
        for key in ["\"precision\":", "\"recall\":", "\"false_alarms_per_series_per_day\":", "\"samples_per_second\":"]
        {
            #expect(outcome.stdout.contains(key), "missing \(key)")
        }
        for kind in ["spike", "level", "drift", "stuck", "variance", "silence", "backlog", "clock", "fleet_silence"] {
            #expect(outcome.stdout.contains("\"kind\":\"\(kind)\""), "missing \(kind)")
        }
        #expect(outcome.stdout.contains("\"false_alerts_per_gateway_per_day\":"))
    }
}

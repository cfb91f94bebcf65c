import OutpostTestSupport
import Testing

@testable import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// Every input `make fuzz` ever found to crash or hang the decoder, kept so it never comes back.
/// New crashers are copied into `FuzzRegressions/` by `make fuzz`.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let inputs: [String] = directoryEntries(Fixtures.path("FuzzRegressions")).map(\.name)
        .filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()

    @Test("Each kept input decodes or is refused with a WireError", arguments: inputs)
    func input(name: String) {
        let bytes = Fixtures.read("FuzzRegressions/" + name)
        do {
            let frame = try FrameDecoder().decode(bytes, verifier: AcceptAnySignature())
            for entry in frame.chunks { #expect(throws: Never.self) { try entry.chunk.decode() } }
        } catch {
            #expect(!error.description.isEmpty)
        }
        do {
            _ = try FrameJSON.parse(bytes)
        } catch {
            #expect(!error.description.isEmpty)
        }
    }

    @Test("The regression folder holds the seed inputs")
    func seedsExist() {
        #expect(Self.inputs.count >= 3)
    }
}

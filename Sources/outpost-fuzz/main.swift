// outpost-fuzz TARGET [INPUT…] — runs one fuzz target (see OutpostFuzzing.FuzzTarget).
//
// Built by `make fuzz` with -sanitize=fuzzer,address and -D FUZZING, the arguments after TARGET
// go to libFuzzer (corpus folders, -max_total_time=…). Built plainly, it replays the files or
// folders given and prints what the target made of each: how a crash input is looked at.
import CFuzzDriver
import Foundation
import OutpostFuzzing

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: outpost-fuzz TARGET [INPUT…]; targets: \(names)\n".utf8))
    exit(2)
}

/// The target libFuzzer's callback runs (a C function pointer cannot capture it).
nonisolated(unsafe) var selected = target

#if FUZZING
    var driverArguments = [arguments[0]] + arguments.dropFirst(2)
    var argc = Int32(driverArguments.count)
    var cStrings: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
    let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var argv = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            if let violation = selected.run(bytes).violation { fatalError("\(selected.rawValue): \(violation)") }
            return 0
        }
    }
    exit(status)
#else
    var violations = 0
    for path in arguments.dropFirst(2) {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        let files =
            isFolder.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
            : [path]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                print("\(file): cannot be read")
                continue
            }
            let outcome = target.run(Array(data))
            if outcome.violation != nil { violations += 1 }
            print("\(file): \(outcome)")
        }
    }
    exit(violations == 0 ? 0 : 1)
#endif

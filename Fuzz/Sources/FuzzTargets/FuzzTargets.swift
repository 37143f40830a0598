import Commands
@_spi(Fuzzing) import Formats
import Foundation
@_spi(Fuzzing) import Neural
import Reconstruct

/// The parsers under fuzzing, by name: each takes one input's bytes and must either return or
/// throw; a crash, trap, hang or sanitizer report is a finding.
enum FuzzTarget: String, CaseIterable {
    case ppm, png, jpeg, exr, fdmodel, safetensors, keras, fdlm, hog, dictionary
    /// The Keras snapshot decoder and model builder, in this process: `keras` reads through
    /// libhdf5 in a child, whose coverage the fuzzer cannot see.
    case kerasSnapshot = "keras-snapshot"
    /// The pre-checks that stand before Assimp: PLY header against size, STL size, OBJ numbers.
    case ply, stl, obj
    /// The command line: arguments (NUL-separated) through the dash check, parsing and each
    /// command's validation; nothing runs.
    case cli

    /// Readers that take files get them through one scratch file in memory-backed /dev/shm.
    static let scratch = URL(fileURLWithPath: "/dev/shm/facedetail-fuzz-\(getpid())")

    func run(_ bytes: [UInt8]) {
        func viaFile(_ body: (URL) throws -> Void) {
            guard (try? Data(bytes).write(to: Self.scratch)) != nil else { return }
            try? body(Self.scratch)
        }
        let limits = ImageLimits(maximumPixels: 4_000_000)  // keep each input's work bounded
        switch self {
        case .ppm: _ = try? FormatDescriptor.ppm.imageReader?.decodeImage(bytes, path: "fuzz", limits: limits)
        case .png: _ = try? FormatDescriptor.png.imageReader?.decodeImage(bytes, path: "fuzz", limits: limits)
        case .jpeg: _ = try? FormatDescriptor.jpeg.imageReader?.decodeImage(bytes, path: "fuzz", limits: limits)
        case .exr: _ = try? FormatDescriptor.openEXR.imageReader?.decodeImage(bytes, path: "fuzz", limits: limits)
        case .fdmodel: viaFile { _ = try ModelFile.load($0) }
        case .safetensors: _ = try? WeightsFile(bytes: bytes, path: "fuzz")
        case .keras: viaFile { _ = try KerasModel.load(from: $0) }
        case .fdlm: viaFile { _ = try LandmarkForest(contentsOf: $0) }
        case .hog: viaFile { _ = try HOGFaceDetector(contentsOf: $0) }
        case .dictionary: viaFile { _ = try ExpressionDictionary.load(from: $0) }
        case .kerasSnapshot: _ = try? KerasModel.load(snapshot: bytes, path: "fuzz")
        case .ply: viaFile { try PLYHeaderCheck.check($0, size: bytes.count) }
        case .stl: viaFile { try STLSizeCheck.check($0, size: bytes.count) }
        case .obj: viaFile { try OBJCoordinateCheck.check($0) }
        case .cli:
            let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            guard (try? rejectDashedFileNames(arguments[...])) != nil else { return }
            _ = try? Facedetail.parseAsRoot(arguments)
        }
    }
}

nonisolated(unsafe) var selected: FuzzTarget?

/// libFuzzer's entry for a program with its own main (LLVM 11 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@main
enum FuzzMain {
    static func main() {
        // `FuzzTargets --keras-snapshot FILE.h5 OUT`: a seed for keras-snapshot (benchmarks/fuzz.sh).
        let arguments = CommandLine.arguments
        if arguments.count == 4, arguments[1] == "--keras-snapshot" {
            do {
                let bytes = try KerasModel.snapshotBytes(of: URL(fileURLWithPath: arguments[2]))
                try Data(bytes).write(to: URL(fileURLWithPath: arguments[3]))
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                exit(1)
            }
        }
        let name = ProcessInfo.processInfo.environment["FACEDETAIL_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("set FACEDETAIL_FUZZ_TARGET to one of: \(names)\n".utf8))
            exit(2)
        }
        selected = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = CommandLine.unsafeArgv
        exit(
            runFuzzerDriver(&argc, &argv) { data, size in
                let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
                selected?.run(bytes)
                return 0
            })
    }
}

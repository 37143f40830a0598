import Foundation
import TestSupport
import Testing

/// Damaged and hostile inputs: one line on stderr naming the file, exit code 1, no crash, and
/// nothing written — or, where the reader recovers a valid mesh, a correct conversion.
@Suite struct InvalidInputTests {
    static let assimpInvalid = URL(fileURLWithPath: "/usr/share/assimp/models/invalid")

    /// Checks the failure contract for one run whose output folder is `out`.
    static func expectCleanFailure(_ result: CLI.Result, input: URL, out: TemporaryFolder, _ what: String) {
        #expect(!result.signalled, "\(what): crashed")
        #expect(result.status == 1, "\(what): exit \(result.status), stderr: \(result.stderr)")
        #expect(result.stderrLines.count == 1, "\(what): expected one line, got \(result.stderr)")
        #expect(
            result.stderr.hasPrefix("error: ") && result.stderr.contains(input.lastPathComponent),
            "\(what): the line must name the file: \(result.stderr)")
        #expect(out.listing().isEmpty, "\(what): left \(out.listing())")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: assimpInvalid.path), "needs Debian's assimp-testmodels"))
    func assimpsInvalidCorpusFailsCleanly() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.assimpInvalid.path).sorted()
        #expect(files.count >= 10)
        for name in files {
            let input = Self.assimpInvalid.appendingPathComponent(name)
            let out = try TemporaryFolder()
            let result = try CLI.run(["convert", input.path, out.file("x.fbx").path])
            if name == "malformed2.obj" {
                // Assimp recovers a valid mesh from it: the conversion must then be correct.
                #expect(result.status == 0, "\(name): \(result.stderr)")
                let back = try CLI.run(["convert", out.file("x.fbx").path, out.file("y.obj").path, "--json"])
                #expect(back.status == 0 && back.stdout.contains("\"triangles\""), "\(name): output reads back")
                continue
            }
            Self.expectCleanFailure(result, input: input, out: out, name)
        }
    }

    enum Damage: String, CaseIterable, Sendable { case empty, truncated, randomBytes }

    /// Deterministic bytes that look like nothing (xorshift64).
    static func noise(_ count: Int, seed: UInt64) -> Data {
        var state = seed | 1
        return Data(
            (0..<count).map { _ in
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                return UInt8(truncatingIfNeeded: state)
            })
    }

    @Test(arguments: Damage.allCases)
    func damagedFilesOfEveryReadableFormat(damage: Damage) throws {
        let valid = try TemporaryFolder()
        let files = try Samples.validFiles(in: valid)
        for (id, file) in files.sorted(by: { $0.key < $1.key }) {
            let bytes = try Data(contentsOf: file)
            let damaged: Data =
                switch damage {
                case .empty: Data()
                case .truncated: bytes.prefix(bytes.count / 2)
                case .randomBytes: Self.noise(max(bytes.count / 4, 512), seed: UInt64(bytes.count))
                }
            let input = valid.file("damaged-\(damage.rawValue)-\(id).\(file.pathExtension)")
            try damaged.write(to: input)
            let out = try TemporaryFolder()
            let isImage = ["exr", "png", "jpeg"].contains(id)
            let target = out.file(isImage ? (id == "exr" ? "x.png" : "x.exr") : "x.fbx")
            let result = try CLI.run(["convert", input.path, target.path])
            let what = "\(damage) \(id)"
            if result.status == 0 && damage == .truncated && ["obj", "stl"].contains(id) {
                // OBJ and ASCII STL are line-based: half a file is a smaller valid mesh (Assimp
                // drops the cut-off record). It must convert correctly.
                let back = try CLI.run(["convert", target.path, out.file("back.obj").path])
                #expect(back.status == 0, "\(what): recovered output does not read back: \(back.stderr)")
                continue
            }
            Self.expectCleanFailure(result, input: input, out: out, what)
        }
    }

    @Test func missingFileDirectoryAndUnknownFormat() throws {
        let folder = try TemporaryFolder()
        try Data("hello".utf8).write(to: folder.file("notes.xyz123"))
        try FileManager.default.createDirectory(at: folder.file("adir.obj"), withIntermediateDirectories: false)
        for (input, expected) in [
            ("missing.obj", "no such file"), ("adir.obj", "is a folder, expected a regular file"),
            ("notes.xyz123", "not a format"),
        ] {
            let out = try TemporaryFolder()
            let result = try CLI.run(["convert", folder.file(input).path, out.file("x.fbx").path])
            Self.expectCleanFailure(result, input: folder.file(input), out: out, input)
            #expect(result.stderr.contains(expected), "\(input): \(result.stderr)")
        }
    }

    @Test func usageErrorsExitWith64() throws {
        let result = try CLI.run(["convert", Samples.sphere.path, "/tmp/x.fbx", "--units", "furlong"])
        #expect(result.status == 64, "\(result.stderr)")
        let noArgs = try CLI.run(["convert"])
        #expect(noArgs.status == 64)
    }
}

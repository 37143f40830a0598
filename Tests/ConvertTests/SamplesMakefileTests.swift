import Foundation
import TestSupport
import Testing

/// samples/Makefile as a user drives it: a folder of photos becomes one asset folder per photo
/// with `make -j2`; a second run does nothing; touching one photo redoes only that one.
@Suite struct SamplesMakefileTests {
    @Test func makeBuildsEachPhotoOnceAndOnlyRebuildsWhatChanged() throws {
        let folder = try TemporaryFolder()
        let photos = folder.file("photos")
        let out = folder.file("assets")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        for name in ["alice.png", "bob.png"] {
            try FileManager.default.copyItem(at: Repository.astronaut, to: photos.appendingPathComponent(name))
        }
        let variables = [
            "FACEDETAIL=\(CLI.executable.path)", "PHOTOS=\(photos.path)", "OUT=\(out.path)",
            "FLAGS=--uv-size 512 --formats obj --maps png --subdiv 0",
            "FACEDETAIL_MODEL_DIR=\(Repository.root.appendingPathComponent("models").path)",
        ]
        let first = try make(["-j2"] + variables)
        #expect(first.status == 0, "\(first.output)")
        for name in ["alice", "bob"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name)/manifest.json").path))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name)/detailed.obj").path))
        }
        let second = try make(["-n"] + variables)
        #expect(second.status == 0 && !second.output.contains("reconstruct"), "\(second.output)")
        // Newer than its manifest: only bob is redone.
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(60)],
            ofItemAtPath: photos.appendingPathComponent("bob.png").path)
        let third = try make(["-n"] + variables)
        let commands = third.output.split(separator: "\n").filter { $0.contains(" reconstruct ") }
        #expect(commands.count == 1 && commands[0].contains("bob.png"), "\(third.output)")
    }

    func make(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let run = try Subprocess.run(
            "/usr/bin/make", ["-C", Repository.root.appendingPathComponent("samples").path] + arguments)
        return (run.status, run.text)
    }
}

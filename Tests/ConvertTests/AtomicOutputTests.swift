import Foundation
import TestSupport
import Testing

@testable import Formats

/// A run either writes a complete, consistent set of files or leaves the folder as it was.
@Suite struct AtomicOutputTests {
    /// A writer that writes one sidecar through the sink, then fails, as a writer bug would.
    struct FailingAfterSidecar: MeshWriter {
        func write(_ asset: Asset, fileName: String, to sink: any FileSink, options: MeshWriteOptions) throws {
            try sink.write(Array("sidecar".utf8), to: "x.bin")
            throw FormatError(.writeFailed, path: fileName, "deliberate failure after the first sidecar")
        }
    }

    static let failing = FormatDescriptor(
        id: "failing", summary: "test writer", kind: .mesh, extensions: ["fail"],
        backend: "test", meshWriter: FailingAfterSidecar())

    @Test func writerThrowingAfterItsFirstSidecarLeavesNothing() throws {
        let out = try TemporaryFolder()
        let converter = Converter(registry: FormatRegistry([.obj, Self.failing]))
        var options = Converter.Options()
        options.targetID = "failing"
        #expect(throws: FormatError.self) {
            try converter.convert(Samples.sphere, to: out.file("nested/x.fail"), options: options)
        }
        #expect(out.listing().isEmpty, "left behind: \(out.listing())")
    }

    @Test func failedRenameRollsBackWhatWasAlreadyMoved() throws {
        let out = try TemporaryFolder()
        // x.gltf exists as a non-empty folder, so its rename fails after x.bin has been moved.
        try FileManager.default.createDirectory(at: out.file("x.gltf/keep"), withIntermediateDirectories: true)
        #expect(throws: FormatError.self) { try Converter().convert(Samples.sphere, to: out.file("x.gltf")) }
        #expect(out.listing() == ["x.gltf", "x.gltf/keep"], "left behind: \(out.listing())")
    }

    @Test func readOnlyTargetFolderFailsCleanly() throws {
        let work = try TemporaryFolder()
        let input = work.file("in/sphere.obj")
        try FileManager.default.copyItem(at: Samples.sphere.deletingLastPathComponent(), to: work.file("in"))
        let target = work.file("out")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        // Root ignores permission bits: run the CLI as 'nobody' against a root-owned folder then,
        // from a copy of the executable in the world-readable work folder (the checkout may not be).
        let asNobody = geteuid() == 0
        let binary = work.file("facedetail")
        try FileManager.default.copyItem(at: CLI.executable, to: binary)
        if !asNobody { try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: target.path) }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path) }
        for name in ["x.gltf", "x.obj", "x.fbx"] {
            var result = try CLI.run(
                ["convert", input.path, target.appendingPathComponent(name).path],
                asUser: asNobody ? (65534, 65534) : nil, binary: binary)
            // A process another test forks while the copy is being written can hold its descriptor
            // for a moment (exec then fails with ETXTBSY); that is the harness, not the converter.
            for _ in 0..<20 where result.status == 126 && result.stderr.contains("Text file busy") {
                usleep(100_000)
                result = try CLI.run(
                    ["convert", input.path, target.appendingPathComponent(name).path],
                    asUser: asNobody ? (65534, 65534) : nil, binary: binary)
            }
            #expect(result.status == 1, "\(name): \(result.stderr)")
            #expect(result.stderrLines.count == 1 && result.stderr.contains("out/"), "\(name): \(result.stderr)")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? ["?"]).isEmpty)
        }
    }

    @Test func failedRunKeepsThePreviousOutput() throws {
        let out = try TemporaryFolder()
        #expect(try CLI.run(["convert", Samples.sphere.path, out.file("x.fbx").path]).status == 0)
        let before = try Data(contentsOf: out.file("x.fbx"))
        try Data("v 1 2".utf8).write(to: out.file("broken.ply"))
        #expect(try CLI.run(["convert", out.file("broken.ply").path, out.file("x.fbx").path]).status == 1)
        #expect(try Data(contentsOf: out.file("x.fbx")) == before)
        #expect(!out.listing().contains { $0.hasSuffix(".tmp") })
    }

    @Test func sameInputGivesByteIdenticalOutputs() throws {
        let (a, b) = (try TemporaryFolder(), try TemporaryFolder())
        for name in ["s.fbx", "s.obj", "s.gltf", "s.glb", "s.dae", "s.ply", "s.stl", "s.3mf"] {
            #expect(try CLI.run(["convert", Samples.sphere.path, a.file(name).path]).status == 0)
            #expect(try CLI.run(["convert", Samples.sphere.path, b.file(name).path]).status == 0)
        }
        #expect(a.listing() == b.listing())
        for file in a.listing() where !file.hasSuffix("textures") {
            #expect(try Data(contentsOf: a.file(file)) == Data(contentsOf: b.file(file)), "\(file) differs")
        }
    }
}

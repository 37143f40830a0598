import Errors
import Foundation
import TestSupport
import Testing

@testable import Formats

/// The one error shape: a message naming the path, and the cause kept as a value, not flattened.
@Suite struct ErrorShapeTests {
    @Test func causesAreKeptAndDescribedOnceEach() throws {
        let system = SystemCallError("rename", errno: ENOENT)
        let inner = FormatError(
            .writeFailed, path: "/out/a.obj", "cannot move the finished file into place", cause: system)
        let outer = FormatError(.unreadable, path: "/out", "cannot write the outputs", cause: inner)
        #expect(
            outer.description
                == "/out: cannot write the outputs: /out/a.obj: cannot move the finished file into place: "
                + "rename: No such file or directory")
        #expect(outer.causes.count == 2)
        #expect((outer.causes[0] as? FormatError)?.code == .writeFailed)
        #expect(outer.causes[1] as? SystemCallError == system)
        // A cause about the same path does not repeat it.
        let same = FormatError(
            .malformed, path: "/in/x.png", "cannot decode", cause: FormatError(.malformed, path: "/in/x.png", "bad CRC")
        )
        #expect(same.description == "/in/x.png: cannot decode: bad CRC")
    }
}

/// `DirectorySink(replacingFolder:)`: a folder appears whole, replaces the previous one whole, or
/// leaves it untouched.
@Suite struct FolderSinkTests {
    @Test func replacesThePreviousFolderWhole() throws {
        let root = try TemporaryFolder()
        let folder = root.file("out/name")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: folder.appendingPathComponent("stale.txt"))
        let sink = DirectorySink(replacingFolder: folder)
        try sink.write(Array("new".utf8), to: "a.txt")
        try sink.write(Array("deep".utf8), to: "maps/b.txt")
        let visible = root.listing().filter { !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
        #expect(visible == ["out", "out/name", "out/name/stale.txt"], "nothing visible before the commit")
        try sink.commit()
        #expect(root.listing() == ["out", "out/name", "out/name/a.txt", "out/name/maps", "out/name/maps/b.txt"])
        #expect(try String(contentsOf: folder.appendingPathComponent("maps/b.txt"), encoding: .utf8) == "deep")
    }

    @Test func discardLeavesNoTraceAndKeepsThePrevious() throws {
        let root = try TemporaryFolder()
        let previous = root.file("kept")
        try FileManager.default.createDirectory(at: previous, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: previous.appendingPathComponent("x.txt"))
        do {
            let sink = DirectorySink(replacingFolder: previous)
            try sink.write(Array("new".utf8), to: "x.txt")
            sink.discard()
        }
        do {
            // Dropped without a commit: its staging and the folders it made above the target go too.
            let sink = DirectorySink(replacingFolder: root.file("made/for/it"))
            try sink.write(Array("new".utf8), to: "y.txt")
        }
        #expect(root.listing() == ["kept", "kept/x.txt"])
        #expect(try String(contentsOf: previous.appendingPathComponent("x.txt"), encoding: .utf8) == "old")
    }

    @Test func aFailedSwapLeavesThePreviousFolder() throws {
        let root = try TemporaryFolder()
        let folder = root.file("name")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: folder.appendingPathComponent("x.txt"))
        // The previous folder's parking place is taken by a non-empty folder: moving it aside fails.
        let parked = StagingName.folder(for: "name", role: "previous")
        let parking = root.file("\(parked)/occupied")
        try FileManager.default.createDirectory(at: parking, withIntermediateDirectories: true)
        let sink = DirectorySink(replacingFolder: folder)
        try sink.write(Array("new".utf8), to: "x.txt")
        do {
            try sink.commit()
            Issue.record("committed over an occupied parking place")
        } catch let error as FormatError {
            #expect(
                error.code == .writeFailed && error.path == folder.path && error.cause is SystemCallError, "\(error)")
        }
        #expect(
            root.listing() == [parked, "\(parked)/occupied", "name", "name/x.txt"])
        #expect(try String(contentsOf: folder.appendingPathComponent("x.txt"), encoding: .utf8) == "old")
    }
}

/// Which texture references a format keeps is declared, not guessed from its id.
@Suite struct TextureCapabilityTests {
    @Test func exrReferencesOnlyWhereTheFormatNamesThem() {
        #expect(FormatDescriptor.fbx.keeps(.normal, named: "normal.exr"))
        #expect(FormatDescriptor.obj.keeps(.displacement, named: "displacement.exr"))
        #expect(!FormatDescriptor.glb2.keeps(.normal, named: "normal.exr"))
        #expect(FormatDescriptor.glb2.keeps(.normal, named: "normal.png"))
        #expect(!FormatDescriptor.glb2.keeps(.displacement, named: "displacement.png"), "glTF has no displacement slot")
        #expect(!FormatDescriptor.stl.keeps(.baseColor, named: "texture.png"))
        let material = Material(name: "skin", baseColorTexture: "t.png", normalTexture: "n.exr")
        let asset = Asset(meshes: [], materials: [material], unit: .millimetre)
        let kept = asset.keepingTextures(for: .gltf2).materials[0]
        #expect(kept.baseColorTexture == "t.png" && kept.normalTexture == nil)
    }
}

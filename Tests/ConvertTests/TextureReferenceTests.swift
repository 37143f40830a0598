import Foundation
import TestSupport
import Testing

/// Texture files travel with converted meshes; references that leave the input's folder do not.
@Suite struct TextureReferenceTests {
    /// A one-triangle OBJ whose material names `texture`.
    static func objReferencing(_ texture: String, in folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("mtllib t.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nusemtl m\nf 1/1 2/2 3/3\n".utf8)
            .write(to: folder.appendingPathComponent("t.obj"))
        try Data("newmtl m\nKd 1 1 1\nmap_Kd \(texture)\n".utf8).write(to: folder.appendingPathComponent("t.mtl"))
        return folder.appendingPathComponent("t.obj")
    }

    @Test func texturesAreCopiedBesideTheOutputUnderTheirRelativePaths() throws {
        let out = try TemporaryFolder()
        let result = try CLI.run(["convert", Samples.sphere.path, out.file("deep/er/s.fbx").path])
        #expect(result.status == 0, "\(result.stderr)")
        for texture in ["textures/sphere_albedo.png", "textures/sphere_normal.png"] {
            let copy = out.file("deep/er/\(texture)")
            let original = Samples.sphere.deletingLastPathComponent().appendingPathComponent(texture)
            #expect(try Data(contentsOf: copy) == Data(contentsOf: original), "\(texture)")
        }
    }

    /// glTF cannot name an EXR file (its spec allows PNG and JPEG): the reference is dropped with a
    /// warning and the file is not copied; FBX keeps and copies it.
    @Test func exrTexturesGoOnlyWhereTheFormatNamesThem() throws {
        let work = try TemporaryFolder()
        let input = try Self.objReferencing("t.png", in: work.file("in"))
        try Data("newmtl m\nKd 1 1 1\nmap_Kd t.png\nnorm n.exr\n".utf8).write(to: work.file("in/t.mtl"))
        try FileManager.default.copyItem(at: Repository.astronaut, to: work.file("in/t.png"))
        let map = try CLI.run(["convert", Repository.astronaut.path, work.file("in/n.exr").path])
        #expect(map.status == 0, "\(map.stderr)")
        let gltf = try CLI.run(["convert", input.path, work.file("gltf/t.gltf").path])
        #expect(gltf.status == 0 && gltf.stderr.contains("gltf2 does not keep EXR textures (n.exr)"), "\(gltf.stderr)")
        #expect(!(try String(contentsOf: work.file("gltf/t.gltf"), encoding: .utf8)).contains("n.exr"))
        #expect(!FileManager.default.fileExists(atPath: work.file("gltf/n.exr").path))
        let fbx = try CLI.run(["convert", input.path, work.file("fbx/t.fbx").path])
        #expect(fbx.status == 0 && !fbx.stderr.contains("EXR"), "\(fbx.stderr)")
        #expect(FileManager.default.fileExists(atPath: work.file("fbx/n.exr").path))
    }

    @Test(arguments: ["../secret.png", "/etc/hostname", "textures/escape.png"])
    func referencesLeavingTheInputFolderAreRefused(reference: String) throws {
        let work = try TemporaryFolder()
        try Data("secret".utf8).write(to: work.file("secret.png"))
        let input = try Self.objReferencing(reference, in: work.file("in"))
        try FileManager.default.createDirectory(at: work.file("in/textures"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: work.file("in/textures/escape.png").path, withDestinationPath: "/etc/hostname")
        let out = try TemporaryFolder()
        let result = try CLI.run(["convert", input.path, out.file("x.fbx").path])
        #expect(result.status == 1, "\(reference): \(result.stderr)")
        #expect(result.stderr.contains("refused"), "\(reference): \(result.stderr)")
        #expect(out.listing().isEmpty, "\(reference): left \(out.listing())")
    }

    @Test func embeddedTexturesAreWrittenAsFiles() throws {
        let glb = URL(fileURLWithPath: "/usr/share/assimp/models/glTF2/BoxTextured-glTF-Binary/BoxTextured.glb")
        try #require(FileManager.default.fileExists(atPath: glb.path), "needs Debian's assimp-testmodels")
        let out = try TemporaryFolder()
        let result = try CLI.run(["convert", glb.path, out.file("box.obj").path])
        #expect(result.status == 0, "\(result.stderr)")
        let mtl = try String(contentsOf: out.file("box.mtl"), encoding: .utf8)
        let line = try #require(mtl.split(separator: "\n").first { $0.hasPrefix("map_Kd ") })
        let texture = out.file(String(line.dropFirst("map_Kd ".count)))
        let bytes = try Data(contentsOf: texture)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4e, 0x47]), "embedded PNG extracted to \(texture.lastPathComponent)")
    }
}

import Foundation
import TestSupport
import Testing

/// Issue 19, defect 6: the files Assimp's importers open besides the input (glTF buffers, OBJ's
/// mtllib) stay inside the input's folder tree, links resolved, as textures do. A reference that
/// leaves it fails the conversion, names the reference, and the file behind it is never read.
@Suite struct ExternalReferenceTests {
    /// A one-triangle glTF whose buffer is `secret/t.bin` beside `in/`, referenced as `uri`.
    static func gltf(referencing uri: String, in work: TemporaryFolder) throws -> URL {
        let made = try CLI.run(["convert", Samples.sphere.path, work.file("secret/t.gltf").path])
        #expect(made.status == 0, "\(made.stderr)")
        var json = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: work.file("secret/t.gltf"))) as? [String: Any])
        var buffers = try #require(json["buffers"] as? [[String: Any]])
        buffers[0]["uri"] = uri.replacingOccurrences(of: "WORK", with: work.url.path)
        json["buffers"] = buffers
        try FileManager.default.createDirectory(at: work.file("in"), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json).write(to: work.file("in/t.gltf"))
        return work.file("in/t.gltf")
    }

    /// Every form of a buffer outside `in/` fails, and no output appears. The parent's own
    /// relative and absolute forms are refused by name; the URI forms Assimp does not decode
    /// (file://, percent-encoding) are not found.
    @Test(arguments: [
        ("../secret/t.bin", "refers to ../secret/t.bin, outside the input's folder"),
        ("WORK/secret/t.bin", "could not open"),
        ("file://WORK/secret/t.bin", "could not open"),
        ("%2e%2e/secret/t.bin", "could not open"),
        ("..%2Fsecret%2Ft.bin", "could not open"),
        ("link.bin", "refers to link.bin, outside the input's folder"),
    ])
    func gltfBuffersOutsideTheInputFolderAreNotRead(uri: String, says: String) throws {
        let work = try TemporaryFolder()
        let input = try Self.gltf(referencing: uri, in: work)
        try FileManager.default.createSymbolicLink(
            at: work.file("in/link.bin"), withDestinationURL: work.file("secret/t.bin"))
        let result = try CLI.run(["convert", input.path, work.file("out/x.obj").path])
        #expect(result.status == 1 && result.stderr.contains(says), "\(uri): \(result.stderr)")
        #expect(result.stderrLines.count == 1 && result.stderr.contains("in/t.gltf"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("out").path))
    }

    /// The same glTF with its buffer beside it converts: the rule refuses only what leaves.
    @Test func gltfBufferInsideTheFolderIsRead() throws {
        let work = try TemporaryFolder()
        let input = try Self.gltf(referencing: "data/t.bin", in: work)
        try FileManager.default.createDirectory(at: work.file("in/data"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: work.file("secret/t.bin"), to: work.file("in/data/t.bin"))
        let result = try CLI.run(["convert", input.path, work.file("out/x.obj").path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// A relative mtllib that leaves the folder is refused by name. An absolute one is looked
    /// for under the input's folder by Assimp's OBJ importer, not found, and left out: either way
    /// its material (red here) never reaches the output.
    @Test(arguments: ["../outside.mtl", "/WORK/outside.mtl"])
    func objMaterialLibrariesOutsideTheFolderAreNotRead(library: String) throws {
        let work = try TemporaryFolder()
        try Data("newmtl m\nKd 1 0 0\n".utf8).write(to: work.file("outside.mtl"))
        try FileManager.default.createDirectory(at: work.file("in"), withIntermediateDirectories: true)
        let reference = library.replacingOccurrences(of: "/WORK", with: work.url.path)
        try Data("mtllib \(reference)\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl m\nf 1 2 3\n".utf8)
            .write(to: work.file("in/t.obj"))
        let result = try CLI.run(["convert", work.file("in/t.obj").path, work.file("out/x.obj").path])
        if library.hasPrefix("..") {
            #expect(result.status == 1 && result.stderr.contains("refers to ../outside.mtl"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: work.file("out").path))
        } else {
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!(try String(contentsOf: work.file("out/x.mtl"), encoding: .utf8)).contains("Kd 1.0 0.0 0.0"))
        }
    }
}

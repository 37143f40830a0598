import Foundation
import TestSupport

/// Paths to the repository's samples and the shared test photos.
enum Samples {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let sphere = repository.appendingPathComponent("samples/mesh/sphere.obj")
    static let astronaut = repository.appendingPathComponent("samples/astronaut.png")
    /// A JPEG for tests only (../shared/photos/README.md); never copied into the repository.
    static let groupJPEG = repository.deletingLastPathComponent().appendingPathComponent("shared/photos/group.jpg")

    /// One valid file per readable format, made from the samples by the CLI itself.
    static func validFiles(in folder: TemporaryFolder) throws -> [String: URL] {
        var files: [String: URL] = [:]
        for (id, name) in [
            ("fbx", "v.fbx"), ("obj", "v.obj"), ("gltf2", "v.gltf"), ("glb2", "v.glb"), ("collada", "v.dae"),
            ("plyb", "vb.ply"), ("ply", "va.ply"), ("stlb", "vb.stl"), ("stl", "va.stl"), ("3mf", "v.3mf"),
        ] {
            let result = try CLI.run(["convert", sphere.path, folder.file(name).path, "--to", id])
            guard result.status == 0 else { throw SampleFailure(message: result.stderr) }
            files[id] = folder.file(name)
        }
        guard try CLI.run(["convert", astronaut.path, folder.file("v.exr").path]).status == 0 else {
            throw SampleFailure(message: "cannot make an EXR")
        }
        files["exr"] = folder.file("v.exr")
        files["png"] = astronaut
        files["jpeg"] = groupJPEG
        return files
    }

    struct SampleFailure: Error { let message: String }
}

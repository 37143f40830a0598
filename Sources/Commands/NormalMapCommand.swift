import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail normalmap DISP.exr --mesh MESH -o OUT.(exr|png)`: the tangent-space normal map of
/// a mesh displaced by a map (DESIGN.md §3).
struct NormalMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalmap",
        abstract: "Bake a tangent-space normal map from a displacement map and the mesh it displaces.",
        discussion: """
            The map's size and UV tile [0,1]²; tangents from the mesh's UV layout (MikkTSpace construction). \
            OUT.exr holds raw unit vectors as half floats; OUT.png holds n·0.5+0.5 as 16-bit RGB. \
            --convention opengl (default; +Y green toward +v: Blender, Maya, glTF) or directx (Unreal). \
            Exit 1 with one line naming the file on any error, and nothing written.
            """)

    @Argument(help: "Displacement map: one-channel float image, usually EXR.") var map: String
    @Option(help: "The mesh the map displaces (its UVs and normals define the tangent space).") var mesh: String
    @Option(name: .shortAndLong, help: "Output normal map, .exr or .png.") var output: String
    @Option(help: "Tangent-space convention.") var convention: NormalMapBaker.Convention = .opengl
    @OptionGroup var units: UnitOptions

    func validate() throws {
        guard ["exr", "png"].contains(URL(fileURLWithPath: output).pathExtension.lowercased()) else {
            throw ValidationError("the output must end in .exr or .png (got \(output))")
        }
    }

    func run() throws {
        let registry = FormatRegistry.standard
        let meshURL = URL(fileURLWithPath: mesh)
        let outURL = URL(fileURLWithPath: output)
        let displacement = try DisplacementMap(contentsOf: URL(fileURLWithPath: map))
        guard let meshReader = try registry.readerFormat(for: meshURL).meshReader else {
            throw FormatError(.unsupported, path: mesh, "is an image format, expected a mesh")
        }
        var asset = try meshReader.readMesh(at: meshURL)
        if asset.unit == nil { asset.unit = units.units }
        guard asset.meshes.contains(where: \.hasUVs) else {
            throw FormatError(.unsupported, path: mesh, "has no UVs, so it defines no tangent space")
        }
        let baker = NormalMapBaker(convention: convention)
        let normals = baker.bake(displacement, on: asset.meshes, meshUnit: asset.unit!)
        let ext = outURL.pathExtension.lowercased()
        let encoded = try NormalMapBaker.encoded(normals, as: ext == "exr" ? .float16 : .uint16)
        try registry.writeImage(encoded, to: outURL, formatID: ext)
        print("wrote \(output) (\(normals.width)×\(normals.height), tangent space, \(convention.rawValue))")
    }
}

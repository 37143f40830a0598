import Foundation

@testable import Formats

/// Shared inputs for the format tests, built in code so every test sees the same asset.
enum TestAssets {
    static let albedoPath = "textures/albedo.png"
    static let normalPath = "textures/normal.png"

    /// A quad and a triangle sharing an edge, in millimetres, facing +Z. The triangle's UVs form
    /// their own island, so the shared edge is a UV seam: 5 positions, 7 UVs. The quad uses
    /// material 0 (base colour and normal textures), the triangle material 1 (colour only).
    static func quadAndTriangle() -> Asset {
        var mesh = Mesh(name: "patch")
        mesh.positions = [[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [20, 0, 5]]
        mesh.normals = Array(repeating: [0, 0, 1], count: 5)
        mesh.uvs = [[0, 0], [0.5, 0], [0.5, 1], [0, 1], [0.6, 0], [1, 0], [0.6, 1]]
        mesh.faceSizes = [4, 3]
        mesh.faceVertexIndices = [0, 1, 2, 3, 1, 4, 2]
        mesh.faceUVIndices = [0, 1, 2, 3, 4, 5, 6]
        mesh.faceMaterials = [0, 1]
        let skin = Material(
            name: "skin", baseColor: [1, 1, 1, 1], roughness: 0.5,
            baseColorTexture: albedoPath, normalTexture: normalPath)
        let plain = Material(name: "plain", baseColor: [0.2, 0.3, 0.9, 1])
        return Asset(
            meshes: [mesh], materials: [skin, plain], unit: .millimetre, metadata: ["generator": "facedetail tests"])
    }

    /// Writes the two textures the asset names, as small RGB PNGs, into `folder`.
    static func writeTextures(into folder: URL) throws {
        let sink = DirectorySink(directory: folder)
        var albedo = Image<UInt8>(width: 8, height: 8, channels: 3)
        var normal = Image<UInt8>(width: 8, height: 8, channels: 3)
        for y in 0..<8 {
            for x in 0..<8 {
                albedo[x, y, 0] = UInt8(x * 32)
                albedo[x, y, 1] = UInt8(y * 32)
                albedo[x, y, 2] = 128
                normal[x, y, 0] = 128
                normal[x, y, 1] = 128
                normal[x, y, 2] = 255
            }
        }
        try PNGCodec().write(ImageAsset(image: .uint8(albedo)), fileName: albedoPath, to: sink)
        try PNGCodec().write(ImageAsset(image: .uint8(normal)), fileName: normalPath, to: sink)
        try sink.commit()
    }
}

extension FormatRegistry {
    /// Ids of the mesh formats with a writer: the round-trip suites run over these.
    static var meshWriterIDs: [String] { standard.formats.filter { $0.kind == .mesh && $0.canWrite }.map(\.id) }
}

/// Writes `asset` with format `id` into `folder` as "asset.<ext>", committed; returns the main file.
@discardableResult
func writeAsset(_ asset: Asset, format id: String, into folder: URL) throws -> URL {
    let format = FormatRegistry.standard.format(id: id)!
    let name = "asset.\(format.primaryExtension)"
    let sink = DirectorySink(directory: folder)
    try format.meshWriter!.write(asset, fileName: name, to: sink, options: MeshWriteOptions())
    try sink.commit()
    return folder.appendingPathComponent(name)
}

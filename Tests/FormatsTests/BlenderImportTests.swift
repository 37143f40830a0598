import Foundation
import TestSupport
import Testing

@testable import Formats

/// What artists see: our files opened by Blender 3.4 itself (Debian's `blender`, run headless).
@Suite(.enabled(if: !Blender.skipped, "FACEDETAIL_SKIP_BLENDER=1"))
struct BlenderImportTests {
    /// Expected Blender vertex counts for the 5-position reference asset: formats with separate UV
    /// indices keep 5; formats with per-vertex UVs split the two seam positions (7); Assimp's
    /// Collada exporter writes one geometry per material (4 + 3); Blender's STL importer merges the
    /// triangle soup back to 5. COLLADA 1.4's common profile has no normal-map slot and Blender's
    /// Collada importer reads none, so only its base colour texture is checked.
    static let expectations: [(id: String, vertices: Int, uvs: Bool, baseColor: Bool, normalMap: Bool)] = [
        ("fbx", 5, true, true, true), ("obj", 5, true, true, true), ("gltf2", 7, true, true, true),
        ("glb2", 7, true, true, true), ("collada", 7, true, true, false), ("plyb", 7, false, false, false),
        ("ply", 7, false, false, false), ("stlb", 5, false, false, false), ("stl", 5, false, false, false),
    ]

    @Test func ourFilesImportWithGeometryUVsAndTextures() throws {
        let folder = try TemporaryFolder()
        try TestAssets.writeTextures(into: folder.url)
        let asset = TestAssets.quadAndTriangle()
        var files: [String: URL] = [:]
        for e in Self.expectations {
            let sub = folder.url.appendingPathComponent(e.id)
            try FileManager.default.createDirectory(
                at: sub.appendingPathComponent("textures"), withIntermediateDirectories: true)
            for texture in [TestAssets.albedoPath, TestAssets.normalPath] {
                try FileManager.default.copyItem(at: folder.file(texture), to: sub.appendingPathComponent(texture))
            }
            files[e.id] = try writeAsset(asset, format: e.id, into: sub)
        }
        let reports = try Blender.inspect(Self.expectations.map { files[$0.id]! })
        for e in Self.expectations {
            let report = try #require(reports[files[e.id]!.path], "\(e.id): no report")
            #expect(report.error == nil, "\(e.id): \(report.error ?? "")")
            #expect(report.vertices == e.vertices, "\(e.id) vertices")
            #expect(report.triangles == asset.triangleCount, "\(e.id) triangles")
            if FormatRegistry.standard.format(id: e.id)!.capabilities.contains(.quads) && e.id != "collada" {
                #expect(report.polygons == asset.faceCount, "\(e.id): quads stay quads")
            }
            if e.uvs { #expect((report.uvLayers ?? 0) >= 1, "\(e.id) UV layer") }
            if FormatRegistry.standard.format(id: e.id)!.capabilities.contains(.unitInFile) {
                // The asset is 20 mm wide (x) and 10 mm tall (+Y, Blender's +Z) and 5 mm deep:
                // a format that states its unit must arrive at that size in metres, Z up.
                let extent = report.extent ?? []
                #expect(
                    extent.count == 3 && abs(extent[0] - 0.02) < 1e-6 && abs(extent[1] - 0.005) < 1e-6
                        && abs(extent[2] - 0.01) < 1e-6, "\(e.id) size in metres: \(extent)")
            }
            let skin = report.materials?.first { $0.name.hasPrefix("skin") }
            if e.baseColor {
                #expect(
                    skin?.baseColor?.file == "albedo.png", "\(e.id) base colour texture: \(String(describing: skin))")
                #expect(skin?.baseColor?.loaded == true, "\(e.id) base colour image loads")
            }
            if e.normalMap {
                #expect(skin?.normal?.file == "normal.png", "\(e.id) normal map: \(String(describing: skin))")
                #expect(skin?.normal?.loaded == true, "\(e.id) normal image loads")
            }
        }
    }
}

import Foundation
import TestSupport
import Testing

/// What artists see: the astronaut's proxy and detailed mesh opened in Blender 3.4 (headless) from
/// FBX, OBJ and GLB, each with the unwrapped photo on the face material's Base Color and its
/// normal map wired through a Normal Map node (the proxy's normal.png, the detailed mesh's
/// detailed_normal.png), every image loaded.
@Suite(.enabled(if: !Blender.skipped, "FACEDETAIL_SKIP_BLENDER=1"))
struct ReconstructBlenderTests {
    @Test func reconstructionOpensInBlenderWithTextureAndNormalMap() throws {
        let folder = try TemporaryFolder()
        let result = try CLI.run([
            "reconstruct", Repository.astronaut.path, "-o", folder.url.path, "--uv-size", "512",
            "--formats", "fbx,obj,glb", "--maps", "png", "--subdiv", "1",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.url.appendingPathComponent("astronaut")
        let names = ["proxy", "detailed"].flatMap { stem in ["fbx", "obj", "glb"].map { "\(stem).\($0)" } }
        let files = names.map { out.appendingPathComponent($0) }
        let reports = try Blender.inspect(files)
        for file in files {
            let name = file.lastPathComponent
            let detailed = name.hasPrefix("detailed")
            let report = try #require(reports[file.path], "\(name)")
            #expect(report.error == nil, "\(name): \(report.error ?? "")")
            let triangles = report.triangles ?? -1
            #expect(detailed ? triangles >= 4 * 18460 : triangles == 18460, "\(name): \(triangles) triangles")
            #expect((report.uvLayers ?? 0) >= 1, "\(name): no UVs")
            let face = (report.materials ?? []).filter { $0.baseColor != nil }
            #expect(face.count == 1, "\(name): \(face.count) textured materials")
            guard let material = face.first else { continue }
            #expect(
                material.baseColor?.loaded == true && material.baseColor?.file == "texture.png",
                "\(name): base colour \(String(describing: material.baseColor))")
            let normal = detailed ? "detailed_normal.png" : "normal.png"
            #expect(
                material.normal?.loaded == true && material.normal?.file == normal,
                "\(name): normal map \(String(describing: material.normal))")
        }
    }

    /// `reconstruct --rig`: the proxy and the detailed mesh open in Blender from FBX and GLB with
    /// the model's 53 expressions as shape keys, valued at the fitted expression the manifest
    /// records; as USD, usd-core finds the blend shapes, the bound material and its textures (the
    /// proxy's colour, normal and displacement maps; the detailed mesh's colour and normal maps).
    @Test func riggedReconstructionHasTheFittedExpressionAsShapeKeys() throws {
        let folder = try TemporaryFolder()
        let result = try CLI.run([
            "reconstruct", Repository.astronaut.path, "-o", folder.url.path, "--uv-size", "512",
            "--formats", "fbx,glb,usda", "--maps", "png", "--subdiv", "1", "--rig",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.url.appendingPathComponent("astronaut")
        struct Manifest: Decodable { let expression: [String: Double] }
        let fitted = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: out.appendingPathComponent("manifest.json"))
        )
        .expression
        #expect(fitted.count == 53 && fitted.values.contains { $0 > 0.05 }, "\(fitted)")
        let files = ["proxy.fbx", "proxy.glb", "detailed.fbx", "detailed.glb"].map { out.appendingPathComponent($0) }
        let reports = try Blender.inspect(files)
        for file in files {
            let name = file.lastPathComponent
            let report = try #require(reports[file.path], "\(name)")
            #expect(report.error == nil, "\(name): \(report.error ?? "")")
            let keys = report.shapeKeys ?? []
            #expect(keys.count == 53 && Set(keys) == Set(fitted.keys), "\(name): \(keys.count) shape keys")
            for (key, value) in zip(keys, report.shapeKeyValues ?? []) {
                #expect(
                    abs(value - (fitted[key] ?? -1)) < 1e-5, "\(name): \(key) = \(value), fitted \(fitted[key] ?? -1)")
            }
        }
        let usd = files.count == 4 ? ["proxy.usda", "detailed.usda"].map { out.appendingPathComponent($0) } : []
        let usdReports = try USDCheck.inspect(usd)
        for file in usd {
            let report = try #require(usdReports[file.path])
            let mesh = try #require(report.meshes.first)
            #expect(report.compliance.errors.isEmpty && report.compliance.failed.isEmpty, "\(report.compliance)")
            #expect(mesh.material == "/Root/Materials/M_Face" && Set(mesh.blendShapes ?? []) == Set(fitted.keys))
            let expected = file.lastPathComponent == "proxy.usda" ? 3 : 2
            #expect(mesh.textures.count == expected && mesh.textures.allSatisfy { $0.resolved }, "\(mesh.textures)")
        }
    }
}

import Foundation
import TestSupport
import Testing

@testable import Formats

/// Morph targets in the asset model, and in every format that declares it keeps them, as the
/// tools artists use read them: Blender 3.4 for FBX and glTF, usd-core for USD.
@Suite struct MorphTargetTests {
    /// The test asset with two targets: "lift" raises the quad's far corner 4 mm, "push" moves the
    /// triangle's tip 2 mm along +x; positions hold 0.25 of lift and 0.5 of push.
    static func rigged() -> Asset {
        var asset = TestAssets.quadAndTriangle()
        var mesh = asset.meshes[0]
        let lift = MorphTarget(name: "lift", indices: [2], positionDeltas: [[0, 0, 4]], defaultWeight: 0.25)
        let push = MorphTarget(name: "push", indices: [4], positionDeltas: [[2, 0, 0]], defaultWeight: 0.5)
        mesh.positions[2] += [0, 0, 1]
        mesh.positions[4] += [1, 0, 0]
        mesh.morphTargets = [lift, push]
        asset.meshes[0] = mesh
        return asset
    }

    @Test func positionsAreTheShapeAtTheDefaultWeights() throws {
        let mesh = Self.rigged().meshes[0]
        let plain = TestAssets.quadAndTriangle().meshes[0]
        #expect(mesh.basePositions == plain.positions)
        #expect(mesh.positions(weights: mesh.defaultWeights) == mesh.positions)
        #expect(mesh.positions(weights: ["lift": 1])[2] == plain.positions[2] + [0, 0, 4])
        let metres = Self.rigged().converted(to: .metre).meshes[0]
        #expect(abs(metres.morphTargets[0].positionDeltas[0].z - 0.004) < 1e-9, "offsets follow the unit")
        #expect(mesh.triangulated().morphTargets == mesh.morphTargets, "triangulation keeps positions and targets")
        try Self.rigged().validate()
    }

    static let broken: [(MorphTarget, String)] = [
        (MorphTarget(name: "", indices: [0], positionDeltas: [[1, 0, 0]]), "has no name"),
        (MorphTarget(name: "far", indices: [9], positionDeltas: [[1, 0, 0]]), "index 9 ≥ 5 positions"),
        (
            MorphTarget(name: "twice", indices: [1, 1], positionDeltas: [[1, 0, 0], [1, 0, 0]]),
            "not strictly ascending"
        ),
        (MorphTarget(name: "short", indices: [0, 1], positionDeltas: [[1, 0, 0]]), "1 offsets for 2 indices"),
        (MorphTarget(name: "nan", indices: [0], positionDeltas: [[.nan, 0, 0]]), "NaN or infinite"),
        (MorphTarget(name: "lift", indices: [0], positionDeltas: [[1, 0, 0]]), "two morph targets are named 'lift'"),
    ]

    @Test(arguments: broken.indices)
    func badTargetsAreRefusedByName(_ k: Int) {
        var asset = Self.rigged()
        asset.meshes[0].morphTargets.append(Self.broken[k].0)
        #expect {
            try asset.validate()
        } throws: { error in
            "\(error)".contains(Self.broken[k].1) && "\(error)".contains("patch")
        }
    }

    /// The same rig gives the same bytes in every format that keeps it.
    @Test(arguments: ["fbx", "gltf2", "glb2", "usda"])
    func riggedWritesAreByteIdentical(formatID: String) throws {
        let writer = try #require(FormatRegistry.standard.format(id: formatID)?.meshWriter)
        let (first, second) = (MemorySink(), MemorySink())
        try writer.write(Self.rigged(), fileName: "rig.x", to: first, options: MeshWriteOptions())
        try writer.write(Self.rigged(), fileName: "rig.x", to: second, options: MeshWriteOptions())
        #expect(!first.files.isEmpty && first.files == second.files)
    }

    /// Formats that drop morph targets get the shape at the default weights, and say so.
    @Test func formatsWithoutTargetsKeepTheDefaultShape() throws {
        let folder = try TemporaryFolder()
        let asset = Self.rigged()
        let url = folder.file("rig.obj")
        try FormatRegistry.standard.writeMesh(asset, to: url)
        var back = try FormatRegistry.standard.readerFormat(for: url).meshReader!.readMesh(at: url)
        back.unit = back.unit ?? MeshWriteOptions().unitlessFormatUnit
        let rounded = { (p: SIMD3<Float>) in [p.x, p.y, p.z].map { ($0 * 1000).rounded() } }
        let points = Set(back.converted(to: .millimetre).meshes.flatMap(\.positions).map(rounded))
        #expect(points == Set(asset.meshes[0].positions.map(rounded)))
        #expect(LossReport.mesh(asset, into: .obj).contains { $0.contains("does not keep morph targets") })
        #expect(!LossReport.mesh(asset, into: .glb2).contains { $0.contains("morph") })
    }

    /// `convert` keeps targets between formats that hold them, reading them back through Assimp:
    /// glTF with names and default weights; FBX with names and offsets, its default weights lost
    /// (Assimp 5.2.5 reads DeformPercent only for in-between shapes), so it opens at the base shape.
    @Test func convertKeepsTargetsBetweenFormatsThatHoldThem() throws {
        let folder = try TemporaryFolder()
        let asset = Self.rigged()
        let glb = folder.file("rig.glb")
        try FormatRegistry.standard.writeMesh(asset, to: glb)
        let fbx = folder.file("rig.fbx")
        let report = try Converter().convert(glb, to: fbx)
        #expect(!report.warnings.contains { $0.contains("morph") }, "\(report.warnings)")
        for (url, weights) in [(glb, [Float(0.25), 0.5]), (fbx, [0, 0])] {
            var back = try FormatRegistry.standard.readerFormat(for: url).meshReader!.readMesh(at: url)
            back = back.converted(to: .millimetre)
            let mesh = try #require(back.meshes.first)
            #expect(mesh.morphTargets.map(\.name) == ["lift", "push"], "\(url.lastPathComponent)")
            #expect(mesh.morphTargets.map(\.defaultWeight) == weights, "\(url.lastPathComponent)")
            // Every vertex that lies where the test asset's corner 2 rests rises 4 mm with "lift".
            let base = mesh.basePositions
            let lifted = mesh.positions(weights: ["lift": 1])
            let corner = asset.meshes[0].basePositions[2]
            let moved = base.indices.filter { norm(base[$0] - corner) < 1e-3 }.map { lifted[$0] - base[$0] }
            #expect(
                !moved.isEmpty && moved.allSatisfy { norm($0 - [0, 0, 4]) < 1e-3 }, "\(url.lastPathComponent): \(moved)"
            )
        }
    }

    /// Every writer declaring `.morphTargets`, opened by the tool its users open it with.
    @Test(.enabled(if: !Blender.skipped, "FACEDETAIL_SKIP_BLENDER=1"))
    func everyWriterThatKeepsTargetsIsReadBackByName() throws {
        let folder = try TemporaryFolder()
        let asset = Self.rigged()
        try TestAssets.writeTextures(into: folder.url)
        let ids = FormatRegistry.standard.formats.filter { $0.kind == .mesh && $0.capabilities.contains(.morphTargets) }
            .map(\.id)
        #expect(Set(ids) == ["fbx", "gltf2", "glb2", "usda"], "a new format needs its external reader here")
        var blenderFiles: [URL] = []
        var usdFiles: [URL] = []
        for id in ids {
            let format = FormatRegistry.standard.format(id: id)!
            let url = folder.file("rig-\(id).\(format.primaryExtension)")
            try FormatRegistry.standard.writeMesh(asset, to: url, formatID: id)
            if id == "usda" { usdFiles.append(url) } else { blenderFiles.append(url) }
        }
        // Blender's world: metres, Z up (our +Y up becomes +Z, our +Z becomes −Y).
        let shown = asset.meshes[0].positions.map { p in [Double(p.x), Double(-p.z), Double(p.y)].map { $0 / 1000 } }
        let blender = try Blender.inspect(blenderFiles, probe: Blender.Probe(points: shown, key: "lift"))
        for url in blenderFiles {
            let report = try #require(blender[url.path])
            let name = url.lastPathComponent
            #expect(report.error == nil, "\(name): \(report.error ?? "")")
            #expect(report.shapeKeys == ["lift", "push"], "\(name): \(report.shapeKeys ?? [])")
            let values = report.shapeKeyValues ?? []
            #expect(
                values.count == 2 && abs(values[0] - 0.25) < 1e-6 && abs(values[1] - 0.5) < 1e-6, "\(name): \(values)")
            let probe = report.probe ?? []
            #expect(probe.count == shown.count && probe.allSatisfy { $0.distance < 1e-6 }, "\(name): default shape")
            // The far corner rises 4 mm (Blender's +Z is our +Y… and our +Z is Blender's −Y).
            let moved = probe.count > 2 ? probe[2].moved : []
            #expect(moved.count == 3 && abs(moved[1] + 0.004) < 1e-6 && abs(moved[0]) < 1e-9, "\(name): \(moved)")
        }
        let usd = try USDCheck.inspect(usdFiles)
        for url in usdFiles {
            let report = try #require(usd[url.path])
            let mesh = try #require(report.meshes.first)
            #expect(report.compliance.errors.isEmpty && report.compliance.failed.isEmpty, "\(report.compliance)")
            #expect(mesh.blendShapes == ["lift", "push"] && mesh.blendShapeTargetsFound == 2)
            // Stage units are centimetres: positions (mm) / 10, as UsdSkel poses them.
            let posed = mesh.posed ?? []
            let expected = asset.meshes[0].positions.map { [$0.x, $0.y, $0.z].map { Double($0) / 10 } }
            #expect(posed.count == expected.count)
            for (p, e) in zip(posed, expected) { #expect(zip(p, e).allSatisfy { abs($0 - $1) < 1e-5 }, "\(p) vs \(e)") }
        }
    }

    /// The USD layer: compliant, units and axes stated, per-face materials bound through subsets,
    /// every texture resolved beside the file.
    @Test func usdLayerIsCompliantWithMaterialsBoundAndTexturesResolved() throws {
        let folder = try TemporaryFolder()
        try TestAssets.writeTextures(into: folder.url)
        let url = folder.file("patch.usda")
        try FormatRegistry.standard.writeMesh(TestAssets.quadAndTriangle(), to: url)
        let reports = try USDCheck.inspect([url])
        let report = try #require(reports[url.path])
        #expect(report.compliance.errors.isEmpty && report.compliance.failed.isEmpty, "\(report.compliance)")
        #expect(report.compliance.warnings.isEmpty, "\(report.compliance.warnings)")
        #expect(report.metersPerUnit == 0.01 && report.upAxis == "Y" && report.defaultPrim == "/Root")
        let mesh = try #require(report.meshes.first)
        #expect(mesh.points == 5 && mesh.faces == 2 && mesh.subdivisionScheme == "none")
        #expect(mesh.subsetMaterials == ["/Root/Materials/skin", "/Root/Materials/plain"])
        #expect(Set(mesh.textures.map(\.file)) == ["./\(TestAssets.albedoPath)", "./\(TestAssets.normalPath)"])
        #expect(mesh.textures.allSatisfy { $0.resolved }, "\(mesh.textures)")
    }
}

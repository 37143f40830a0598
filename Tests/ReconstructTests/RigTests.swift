import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// The expression rig (issue 20): ICT-FaceKit's 53 blendshapes as morph targets of a fitted face,
/// checked in the algebra, through subdivision, and as Blender 3.4 and usd-core open the files.
@Suite struct RigTests {
    /// A random identity with a few expressions on: what a fit of a smiling, blinking photo gives.
    static let expression: [String: Float] = ["jawOpen": 0.3, "mouthSmile_L": 0.6, "eyeBlink_R": 0.9]

    static func rigged(_ model: MorphableModel) -> (asset: Asset, beta: [Float]) {
        let beta = model.expressionNames.map { Self.expression[$0] ?? 0 }
        return (model.asset(identity: identity(model), expression: beta, rigged: true), beta)
    }

    @Test func rigReproducesTheFittedAndTheNeutralFace() throws {
        let model = try loadModel("face")
        let (asset, beta) = Self.rigged(model)
        let mesh = asset.meshes[0]
        #expect(mesh.morphTargets.map(\.name) == model.expressionNames)
        #expect(mesh.morphTargets.map(\.defaultWeight) == beta)
        let neutral = model.shape(identity: Self.identity(model))
        let error = zip(mesh.positions(weights: [:]), neutral).map { norm($0 - $1) }.max() ?? .infinity
        #expect(error < 1e-3, "zero weights give the neutral face within \(error) mm")
        let smiling = mesh.positions(weights: ["mouthSmile_L": 1])
        let corner = model.landmarkVertices[54]  // the subject's left mouth corner
        let lift = norm(smiling[corner] - neutral[corner])
        #expect(lift > 2, "mouthSmile_L moves the mouth corner (\(lift) mm)")
    }

    static func identity(_ model: MorphableModel) -> [Float] {
        var random = SeededRandom(seed: 7)
        return (0..<model.identityCount).map { _ in Float(random.gaussian()) }
    }

    /// Subdividing the rig is rigging the subdivision: the refined jawOpen offsets equal the
    /// subdivided jaw-open face less the subdivided neutral face.
    @Test(arguments: [1, 2]) func subdividedTargetsAreTheSubdividedShapes(levels: Int) throws {
        let model = try loadModel("face")
        var mesh = Self.rigged(model).asset.meshes[0]
        mesh.morphTargets = mesh.morphTargets.filter { $0.name == "jawOpen" || $0.name == "eyeBlink_R" }
        let refined = Subdivision.subdivided(mesh, levels: levels)
        var open = mesh
        open.positions = mesh.positions(weights: ["jawOpen": 1])
        open.morphTargets = []
        let expected = Subdivision.subdivided(open, levels: levels).positions
        let got = refined.positions(weights: ["jawOpen": 1])
        let error = zip(got, expected).map { norm($0 - $1) }.max() ?? .infinity
        #expect(refined.positions.count == expected.count && error < 1e-3, "\(error) mm")
        #expect(refined.morphTargets.map(\.defaultWeight) == [0.9, 0.3])
    }

    /// Acceptance: the rigged FBX and GLB open in Blender with ICT's 53 names, the default values
    /// reproduce the face within 0.01 mm, and jawOpen at 1 moves the chin by the model's own
    /// jawOpen offset within 1 %.
    @Test(.enabled(if: !Blender.skipped, "FACEDETAIL_SKIP_BLENDER=1"))
    func blenderOpensTheRigWithICTNamesAndDistances() throws {
        let model = try loadModel("face")
        let (asset, beta) = Self.rigged(model)
        let folder = try TemporaryFolder()
        let files = ["face.fbx", "face.glb"].map { folder.file($0) }
        for file in files { try FormatRegistry.standard.writeMesh(asset, to: file) }
        // Blender's world: metres, Z up.
        let blender = { (p: SIMD3<Float>) in [Double(p.x), Double(-p.z), Double(p.y)].map { $0 / 1000 } }
        let reports = try Blender.inspect(
            files, probe: Blender.Probe(points: asset.meshes[0].positions.map(blender), key: "jawOpen"))
        let chin = model.landmarkVertices[8]
        let jaw = model.expressionMode(model.expressionIndex(named: "jawOpen")!)
        let expected = blender(SIMD3(jaw[3 * chin], jaw[3 * chin + 1], jaw[3 * chin + 2]))
        let length = expected.map { $0 * $0 }.reduce(0, +).squareRoot()
        for file in files {
            let report = try #require(reports[file.path])
            let name = file.lastPathComponent
            #expect(report.error == nil, "\(name): \(report.error ?? "")")
            #expect(report.shapeKeys == model.expressionNames, "\(name): \(report.shapeKeys ?? [])")
            let values = report.shapeKeyValues ?? []
            #expect(values.count == beta.count && zip(values, beta).allSatisfy { abs($0 - Double($1)) < 1e-6 })
            let probe = report.probe ?? []
            let worst = probe.map(\.distance).max() ?? .infinity
            #expect(probe.count == asset.meshes[0].positions.count && worst <= 1e-5, "\(name): \(worst * 1000) mm")
            guard probe.count > chin else { continue }
            let moved = probe[chin].moved
            let miss = zip(moved, expected).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            #expect(length > 0.003 && miss <= 0.01 * length, "\(name): chin moved \(moved), model \(expected)")
        }
    }

    /// Acceptance: the rigged face as USD, opened by usd-core: compliant, the material bound,
    /// the 53 blend shapes found by name, and UsdSkel's posing at the default weights is the face.
    @Test func usdCoreFindsTheBlendShapesAndPosesTheFace() throws {
        let model = try loadModel("face")
        let asset = Self.rigged(model).asset
        let folder = try TemporaryFolder()
        let url = folder.file("face.usda")
        try FormatRegistry.standard.writeMesh(asset, to: url)
        let reports = try USDCheck.inspect([url])
        let report = try #require(reports[url.path])
        #expect(report.compliance.errors.isEmpty && report.compliance.failed.isEmpty, "\(report.compliance)")
        #expect(report.metersPerUnit == 0.01 && report.upAxis == "Y")
        let mesh = try #require(report.meshes.first)
        #expect(mesh.material == "/Root/Materials/M_Face")
        #expect(mesh.blendShapes == model.expressionNames && mesh.blendShapeTargetsFound == 53)
        let posed = mesh.posed ?? []
        let worst =
            zip(posed, asset.meshes[0].positions).map { p, q in
                zip(p, [q.x, q.y, q.z]).map { abs($0 * 10 - Double($1)) }.max()!
            }.max() ?? .infinity
        #expect(posed.count == asset.meshes[0].positions.count && worst <= 0.01, "\(worst) mm")
    }

    /// A rig the size of the default detailed mesh (two subdivision levels, 148,402 vertices) is
    /// written to GLB with 16-bit offsets (KHR_mesh_quantization): Blender reads the 53 keys, the
    /// default shape within 0.01 mm and jawOpen's chin offset within 1 %; Assimp, which would
    /// misread the integers, gets the base shape without targets.
    @Test(.enabled(if: !Blender.skipped, "FACEDETAIL_SKIP_BLENDER=1"))
    func largeRigsAreQuantizedAndStillExact() throws {
        let model = try loadModel("face")
        var asset = Self.rigged(model).asset
        asset.meshes[0] = Subdivision.subdivided(asset.meshes[0], levels: 2)
        let mesh = asset.meshes[0]
        #expect(mesh.positions.count > GLTFQuantization.vertexThreshold)
        let folder = try TemporaryFolder()
        let file = folder.file("detailed.glb")
        try FormatRegistry.standard.writeMesh(asset, to: file)
        let bytes = try Data(contentsOf: file)
        #expect(bytes.range(of: Data("\"extensionsRequired\":[\"KHR_mesh_quantization\"]".utf8)) != nil)
        let blender = { (p: SIMD3<Float>) in [Double(p.x), Double(-p.z), Double(p.y)].map { $0 / 1000 } }
        let chin = model.landmarkVertices[8]  // old vertices keep their indices through subdivision
        let probed = [chin] + Array(stride(from: 0, to: mesh.positions.count, by: 37))
        let reports = try Blender.inspect(
            [file], probe: Blender.Probe(points: probed.map { blender(mesh.positions[$0]) }, key: "jawOpen"))
        let report = try #require(reports[file.path])
        #expect(report.error == nil, "\(report.error ?? "")")
        #expect(report.shapeKeys == model.expressionNames)
        let probe = report.probe ?? []
        let worst = probe.map(\.distance).max() ?? .infinity
        #expect(probe.count == probed.count && worst <= 1e-5, "default shape within \(worst * 1000) mm")
        let jaw = try #require(mesh.morphTargets.first { $0.name == "jawOpen" })
        let expected = blender(jaw.denseDeltas(count: mesh.positions.count)[chin])
        let length = expected.map { $0 * $0 }.reduce(0, +).squareRoot()
        let moved = probe.first?.moved ?? []
        let miss = zip(moved, expected).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        #expect(length > 0.003 && miss <= 0.01 * length, "chin moved \(moved), rig \(expected)")
        let back = try FormatRegistry.standard.readerFormat(for: file).meshReader!.readMesh(at: file)
            .converted(to: .millimetre)
        #expect(back.meshes.allSatisfy { $0.morphTargets.isEmpty })
        let (a, b) = (try #require(Mesh(positions: mesh.basePositions).bounds), try #require(back.bounds))
        #expect(norm(a.min - b.min) < 0.01 && norm(a.max - b.max) < 0.01, "Assimp reads the base shape")
    }
}

import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

func loadModel(_ region: String) throws -> MorphableModel {
    let url = Repository.model(region)
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw ReconstructError(.missingData, path: url.path, "missing: run `make setup` first")
    }
    return try ModelFile.load(url)
}

@Suite struct ModelTests {
    /// Counts from ICT-FaceKit's README topology table, per region.
    @Test(arguments: [("face", 9409, 9230, 1), ("head", 11248, 11144, 2), ("full", 26719, 26384, 17)])
    func importedRegionsMatchTheModelDocumentation(region: String, vertices: Int, polygons: Int, parts: Int) throws {
        let model = try loadModel(region)
        #expect(model.vertexCount == vertices && model.polygonCount == polygons)
        #expect(model.info.regions.count == parts && model.info.regions.first?.vertexCount == 9409)
        #expect(model.identityCount == 100 && model.expressionNames.count == 53)
        #expect(Set(model.expressionNames).count == 53 && model.expressionIndex(named: "jawOpen") != nil)
        #expect(model.polygonSizes.count == polygons && model.vertexRegions.count == vertices)
        #expect(model.landmarkVertices.count == 68 && model.landmarkVertices.allSatisfy { $0 < 9409 })
        #expect(model.uvs.count == model.info.uvCount && model.info.units == "mm")
        try model.mesh().validate(materialCount: model.info.materials.count)
    }

    /// The 68 landmark vertices sit where the iBUG layout puts them on the mean face (mm, +Y up,
    /// +Z toward the camera, X to the subject's left), and the face has a human size.
    @Test func landmarkVerticesAreAnatomical() throws {
        let model = try loadModel("face")
        let shape = model.shape()
        let p = model.landmarkVertices.map { shape[$0] }
        func meanY(_ r: ClosedRange<Int>) -> Float { r.map { p[$0].y }.reduce(0, +) / Float(r.count) }
        #expect(meanY(Landmarks68.rightBrow) > meanY(Landmarks68.rightEye))
        #expect(meanY(Landmarks68.rightEye) > p[Landmarks68.noseTip].y)
        #expect(p[Landmarks68.noseTip].y > meanY(Landmarks68.outerLips))
        #expect(meanY(Landmarks68.outerLips) > p[Landmarks68.chin].y)
        #expect(p.allSatisfy { p[Landmarks68.noseTip].z >= $0.z }, "the nose tip is the most forward landmark")
        for (right, left) in [(0, 16), (36, 45), (48, 54), (17, 26)] { #expect(p[right].x < 0 && p[left].x > 0) }
        let rightEye: SIMD3<Float> = p[36...41].reduce(SIMD3<Float>.zero, +) / 6
        let leftEye: SIMD3<Float> = p[42...47].reduce(SIMD3<Float>.zero, +) / 6
        let iod = norm(rightEye - leftEye)
        #expect(iod > 50 && iod < 80, "inter-ocular distance \(iod) mm")
    }

    @Test func contourCandidatesLieOnTheirSideAndHoldTheJawLandmarks() throws {
        let model = try loadModel("face")
        let shape = model.shape()
        let (right, left) = model.contourCandidates
        #expect(right.count > 100 && left.count > 100)
        #expect(Set(right).isDisjoint(with: left))
        #expect(right.allSatisfy { shape[$0].x <= 1 } && left.allSatisfy { shape[$0].x >= -1 })
        #expect(Set(right).isSuperset(of: (0...7).map { model.landmarkVertices[$0] }))
        #expect(Set(left).isSuperset(of: (9...16).map { model.landmarkVertices[$0] }))
        // The model is near mirror-symmetric: the two sides are about the same size.
        #expect(abs(right.count - left.count) < right.count / 10)
        // Eyes, nose and mouth are not candidates.
        let inner = (27...67).map { model.landmarkVertices[$0] }
        #expect(Set(inner).isDisjoint(with: right + left))
    }

    @Test func coefficientsMoveTheShapeTheWayTheirNamesSay() throws {
        let model = try loadModel("face")
        let mean = model.shape()
        var beta = [Float](repeating: 0, count: 53)
        beta[try #require(model.expressionIndex(named: "jawOpen"))] = 1
        let open = model.shape(expression: beta)
        let chin = model.landmarkVertices[Landmarks68.chin]
        #expect(open[chin].y < mean[chin].y - 5, "jawOpen lowers the chin by more than 5 mm")
        var random = SeededRandom(seed: 3)
        let alpha = (0..<100).map { _ in Float(random.gaussian()) }
        let person = model.shape(identity: alpha)
        let moved = zip(person, mean).map { norm($0 - $1) }
        let rms = (moved.map { $0 * $0 }.reduce(0, +) / Float(moved.count)).squareRoot()
        #expect(rms > 1 && rms < 30, "a random identity differs from the mean by \(rms) mm RMS")
        #expect(model.shape(identity: alpha) == person)
    }

    @Test func importIsDeterministicAndMatchesTheSetUpFile() throws {
        let contents = try ICTImporter(folder: Repository.ictFolder, region: .face).importContents()
        let bytes = try ModelFile.encode(contents)
        #expect(bytes == [UInt8](try Data(contentsOf: Repository.model("face"))))
    }

    @Test func damagedModelFilesAreRefusedWithAClearMessage() throws {
        let good = [UInt8](try Data(contentsOf: Repository.model("face")))
        let folder = try TemporaryFolder()
        func refusal(_ bytes: [UInt8], _ name: String) throws -> ReconstructError? {
            let url = folder.file(name)
            try Data(bytes).write(to: url)
            do {
                _ = try ModelFile.load(url)
                return nil
            } catch let error as ReconstructError {
                #expect(
                    error.description.contains(url.path) && error.description.contains("facedetail model import"),
                    "\(error)")
                return error
            }
        }
        var flipped = good
        flipped[good.count / 2] ^= 0x40
        #expect(try refusal(flipped, "flipped.fdmodel")?.code == .damagedModel)
        #expect(try refusal(Array(good.prefix(good.count - 1000)), "short.fdmodel")?.code == .damagedModel)
        var newer = good
        newer[8] = 2
        #expect(try refusal(newer, "newer.fdmodel")?.code == .modelVersion)
        #expect(try refusal(Array("not a model at all".utf8), "text.fdmodel")?.code == .damagedModel)
        #expect(throws: ReconstructError.self) { try ModelFile.load(folder.file("missing.fdmodel")) }
        // A damaged section table with a valid checksum is still caught by the structure checks.
        var table = good
        table[64 + 16] = 0xff  // first section's byte count
        let crc = table.withUnsafeBufferPointer { ModelFile.crc32Of(UnsafeRawBufferPointer($0), from: 64) }
        table.replaceSubrange(32..<36, with: ModelFile.le(crc))
        #expect(try refusal(table, "table.fdmodel")?.code == .damagedModel)
    }

    /// Issue 19, defect 1: lengths near 2^64 in a file whose checksum is right used to trap on
    /// the conversion to Int or on offset + size; they must be refused like any damaged file.
    @Test(arguments: [
        ("section offset", 64 + 8, UInt64.max - 63), ("section size", 64 + 16, UInt64.max),
        ("file size", 24, UInt64.max),
    ])
    func lengthsThatOverflowAreRefusedNotTrapped(field: String, at: Int, value: UInt64) throws {
        var bytes = [UInt8](try Data(contentsOf: Repository.model("face")))
        bytes.replaceSubrange(at..<(at + 8), with: ModelFile.le(value))
        let crc = bytes.withUnsafeBufferPointer { ModelFile.crc32Of(UnsafeRawBufferPointer($0), from: 64) }
        bytes.replaceSubrange(32..<36, with: ModelFile.le(crc))
        let folder = try TemporaryFolder()
        let url = folder.file("overflow.fdmodel")
        try Data(bytes).write(to: url)
        let error = #expect(throws: ReconstructError.self, "\(field)") { try ModelFile.load(url) }
        #expect(error?.code == .damagedModel)
        #expect(error?.description.contains(url.path) == true)
    }

    /// Issue 19, defect 10: a NaN in the model surfaced as a failed fit of the photo; the model
    /// file is named instead.
    @Test func aModelHoldingNaNIsNamed() throws {
        var bytes = [UInt8](try Data(contentsOf: Repository.model("face")))
        let count = Int(bytes.withUnsafeBytes { ModelFile.u32($0, 16) })
        let entry = try #require(
            (0..<count).map { 64 + 32 * $0 }.first { String(decoding: bytes[$0..<($0 + 4)], as: UTF8.self) == "MEAN" })
        let offset = Int(bytes[(entry + 8)..<(entry + 16)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        bytes.replaceSubrange((offset + 40)..<(offset + 44), with: ModelFile.le(Float.nan.bitPattern))
        let crc = bytes.withUnsafeBufferPointer { ModelFile.crc32Of(UnsafeRawBufferPointer($0), from: 64) }
        bytes.replaceSubrange(32..<36, with: ModelFile.le(crc))
        let folder = try TemporaryFolder()
        let url = folder.file("nan.fdmodel")
        try Data(bytes).write(to: url)
        let error = #expect(throws: ReconstructError.self) { try ModelFile.load(url) }
        #expect(
            error?.description.contains("nan.fdmodel: has a non-finite value in its MEAN section: value 10") == true)
    }

    @Test(arguments: ["obj", "fbx"])
    func sampledFaceReimportsWithTheSameCounts(ext: String) throws {
        let model = try loadModel("face")
        var random = SeededRandom(seed: 11)
        let asset = model.asset(identity: (0..<100).map { _ in Float(random.gaussian()) })
        let folder = try TemporaryFolder()
        let url = folder.file("face.\(ext)")
        try FormatRegistry.standard.writeMesh(asset, to: url)
        let back = try FormatRegistry.standard.readerFormat(for: url).meshReader!.readMesh(at: url)
        #expect(back.vertexCount == model.vertexCount, "\(ext): \(back.vertexCount) vertices")
        #expect(back.faceCount == model.polygonCount && back.triangleCount == asset.triangleCount)
        #expect(back.meshes.allSatisfy { $0.hasUVs })
    }
}

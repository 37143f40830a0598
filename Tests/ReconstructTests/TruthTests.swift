import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// The render-truth benchmark's parts: faces drawn from seeds within the documented ranges, maps
/// that put marks and relief where the anatomy is, and a registration that finds a known shift.
@Suite struct TruthTests {
    @Test func facesAreDrawnFromTheirSeedWithinTheDocumentedRanges() throws {
        let model = try loadModel("face")
        for (k, label) in TruthFace.Expression.allCases.enumerated() {
            let face = TruthFace(
                seed: UInt64(100 + k), label: label, expressionNames: model.expressionNames, identityCount: 100)
            #expect(
                face
                    == TruthFace(
                        seed: UInt64(100 + k), label: label, expressionNames: model.expressionNames, identityCount: 100)
            )
            #expect(abs(face.yaw) <= 30 && abs(face.pitch) <= 15)
            #expect((35...135).contains(face.focalMillimetres) && (500...2000).contains(face.distanceMillimetres))
            #expect(face.expression.allSatisfy { (0...1).contains($0) } && face.expression.contains { $0 > 0 })
            let centroid = SIMD3<Double>(1, 2, 3)
            let camera = face.camera(centroid: centroid)
            let offset = camera.position - centroid
            let length = (offset * offset).sum().squareRoot()
            #expect(abs(length - face.distanceMillimetres) < 1e-6)
            // The camera sits off +Z by the pose: cos of its angle to +Z is cos(yaw)·cos(pitch).
            let expected = cos(face.yaw * .pi / 180) * cos(face.pitch * .pi / 180)
            #expect(abs(offset.z / length - expected) < 1e-9)
        }
        let smile = TruthFace(seed: 7, label: .smile, expressionNames: model.expressionNames, identityCount: 100)
        let l = model.expressionIndex(named: "mouthSmile_L")!
        let r = model.expressionIndex(named: "mouthSmile_R")!
        #expect(smile.expression[l] >= 0.6 && smile.expression[l] == smile.expression[r])
        #expect([l, r].contains(smile.dominantExpression))
    }

    @Test func mapsHoldMarksAndReliefWithinTheirRanges() throws {
        let model = try loadModel("face")
        let uvs = TruthScene.landmarkUVs(model)
        #expect(uvs.count == 68 && uvs.allSatisfy { (0...1).contains($0.x) && (0...1).contains($0.y) })
        // Brows above the eyes above the mouth in the tile (v up).
        #expect(uvs[19].y > uvs[37].y && uvs[37].y > uvs[51].y)
        let raised = TruthTextures(
            face: TruthFace(seed: 3, label: .browRaise, expressionNames: model.expressionNames, identityCount: 100),
            expressionNames: model.expressionNames, landmarkUVs: uvs, size: 512)
        let frown = TruthTextures(
            face: TruthFace(seed: 3, label: .frown, expressionNames: model.expressionNames, identityCount: 100),
            expressionNames: model.expressionNames, landmarkUVs: uvs, size: 512)
        for maps in [raised, frown] {
            let d = maps.displacement.pixels
            #expect(d.min()! >= -1.05 && d.min()! < -0.1 && d.max()! <= 0.05, "relief \(d.min()!)…\(d.max()!) mm")
            let marked = maps.confounders.filter { $0 }.count
            #expect(marked > 2_000 && marked < maps.confounders.count / 10, "\(marked) texels of marks")
        }
        // Forehead furrows deepen with a brow raise: the band above the brows is deeper there.
        func foreheadDepth(_ maps: TruthTextures) -> Float {
            let s = 512.0
            let top = Int((1 - uvs[19].y) * s) - 60
            let bottom = Int((1 - uvs[19].y) * s) - 10
            let left = Int(uvs[17].x * s)
            let right = Int(uvs[20].x * s)  // above one brow, clear of the glabella
            return (top..<bottom).flatMap { y in (left..<right).map { maps.displacement.pixels[y * 512 + $0] } }.min()!
        }
        #expect(foreheadDepth(raised) < foreheadDepth(frown) - 0.2)
    }

    @Test func registrationFindsAKnownShift() throws {
        let model = try loadModel("face")
        let maps = TruthTextures(
            face: TruthFace(seed: 5, label: .mixed, expressionNames: model.expressionNames, identityCount: 100),
            expressionNames: model.expressionNames, landmarkUVs: TruthScene.landmarkUVs(model), size: 1024)
        /// The albedo moved by (dx, dy) texels, as an RGBA unwrap with every texel visible.
        func shifted(_ dx: Int, _ dy: Int) -> Image<UInt8> {
            var out = Image<UInt8>(width: 1024, height: 1024, channels: 4)
            for y in 0..<1024 {
                for x in 0..<1024 {
                    let sx = min(max(x - dx, 0), 1023)
                    let sy = min(max(y - dy, 0), 1023)
                    for c in 0..<3 { out.pixels[(y * 1024 + x) * 4 + c] = maps.albedo.pixels[(sy * 1024 + sx) * 3 + c] }
                    out.pixels[(y * 1024 + x) * 4 + 3] = 255
                }
            }
            return out
        }
        let same = TextureRegistration(albedo: maps.albedo, unwrapped: shifted(0, 0), millimetresPerUV: 200)
        let moved = TextureRegistration(albedo: maps.albedo, unwrapped: shifted(6, -8), millimetresPerUV: 200)
        #expect(same.patches >= 10 && moved.patches >= 10, "\(same.patches), \(moved.patches) patches")
        let expected = 10.0 / 1024 * 200  // 10 texels of the 1024 map, 200 mm per UV unit
        #expect(try #require(same.shiftMillimetres) < 0.1)
        #expect(
            abs(try #require(moved.shiftMillimetres) - expected) < 0.25 * expected,
            "\(moved.shiftMillimetres!) mm")
    }

    @Test func detailComparisonScoresTheTruthAgainstItselfAndAgainstMarks() throws {
        let model = try loadModel("face")
        let maps = TruthTextures(
            face: TruthFace(seed: 9, label: .smile, expressionNames: model.expressionNames, identityCount: 100),
            expressionNames: model.expressionNames, landmarkUVs: TruthScene.landmarkUVs(model), size: 512)
        var visible = Image<UInt8>(width: 512, height: 512, channels: 4)
        for i in 0..<(512 * 512) { visible.pixels[4 * i + 3] = 255 }
        let same = try #require(
            DetailComparison(
                detail: maps.displacement, truth: maps.displacement, confounders: maps.confounders,
                visibility: visible))
        #expect(abs(same.correlation - 1) < 1e-9 && abs(same.amplitudeRatio - 1) < 1e-9)
        // Relief painted exactly on the marks (what shape from shading does with brows): reads as false relief.
        var onMarks = Image<Float>(width: 512, height: 512, channels: 1)
        for i in onMarks.pixels.indices where maps.confounders[i] { onMarks.pixels[i] = -0.5 }
        let fooled = try #require(
            DetailComparison(
                detail: onMarks, truth: maps.displacement, confounders: maps.confounders,
                visibility: visible))
        #expect(fooled.confounderRatio > 2 && fooled.correlation < 0.3, "\(fooled)")
    }

    @Test func pinholeProjectionAgreesWithItsDepthForm() throws {
        let model = try loadModel("face")
        let face = TruthFace(seed: 11, label: .frown, expressionNames: model.expressionNames, identityCount: 100)
        let centroid = SIMD3<Double>(0, 5, 70)
        let centre = face.project(centroid, centroid: centroid)
        #expect(abs(centre.x - Double(face.width) / 2) < 1e-9 && abs(centre.y - Double(face.height) / 2) < 1e-9)
        // A point moved toward the camera is nearer (larger depth) and lands where `project` puts it.
        let toward = face.camera(centroid: centroid).position - centroid
        let near = centroid + 0.1 * toward + SIMD3(10, 0, 0)
        let a = face.projectWithDepth(near, centroid: centroid)
        let b = face.projectWithDepth(centroid, centroid: centroid)
        #expect(a.z > b.z && abs(a.x - face.project(near, centroid: centroid).x) < 1e-9)
    }
}

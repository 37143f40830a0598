import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

@Suite struct CameraTests {
    /// Noise-free correspondences from a known scaled orthographic camera: the Gold Standard
    /// estimate reproduces it, and its nearest scaled orthographic camera is the original.
    @Test func goldStandardRecoversAKnownCamera() throws {
        var random = SeededRandom(seed: 9)
        let truth = ScaledOrthographicCamera(yaw: 25, pitch: -12, roll: 7, scale: 1.7, translation: SIMD2(300, 220))
        let points = (0..<40).map { _ in
            SIMD3(random.unit() * 140 - 70, random.unit() * 180 - 90, random.unit() * 80 - 40)
        }
        let pixels = points.map(truth.project)
        let affine = try #require(estimateAffineCamera(points: points, pixels: pixels))
        for p in points { #expect(norm(affine.project(p) - truth.project(p)) < 1e-9) }
        let camera = affine.scaledOrthographic()
        #expect(abs(camera.scale - 1.7) < 1e-9)
        for k in 0..<3 { #expect(norm(camera.rotation[k] - truth.rotation[k]) < 1e-9) }
        let angles = camera.eulerDegrees
        #expect(abs(angles.yaw - 25) < 1e-7 && abs(angles.pitch + 12) < 1e-7 && abs(angles.roll - 7) < 1e-7)
    }

    /// With noisy pixels the affine solution is the least-squares one: no other nearby camera has a
    /// smaller reprojection error.
    @Test func goldStandardMinimisesReprojectionError() throws {
        var random = SeededRandom(seed: 2)
        let truth = ScaledOrthographicCamera(yaw: -30, pitch: 10, roll: 0, scale: 2, translation: SIMD2(100, 100))
        let points = (0..<30).map { _ in SIMD3(random.unit() * 100 - 50, random.unit() * 100 - 50, random.unit() * 50) }
        let pixels = points.map { truth.project($0) + SIMD2(random.gaussian(), random.gaussian()) }
        let best = try #require(estimateAffineCamera(points: points, pixels: pixels))
        func error(_ c: AffineCamera) -> Double {
            zip(points, pixels).map { norm(c.project($0) - $1) * norm(c.project($0) - $1) }.reduce(0, +)
        }
        for k in 0..<8 {
            var nudged = best
            if k < 4 { nudged.row0[k] += 1e-3 } else { nudged.row1[k - 4] += 1e-3 }
            #expect(error(nudged) > error(best))
        }
    }
}

@Suite struct AlignmentTests {
    /// A point set moved by a known rotation, scale and translation: the alignment finds that
    /// transform, so mapping the set back leaves only round-off.
    @Test func similarityAlignmentRecoversAKnownTransform() throws {
        let model = try loadModel("face")
        let source = model.shape().prefix(2000).map { SIMD3<Double>($0) }
        let turn = ScaledOrthographicCamera(yaw: 35, pitch: -20, roll: 50, scale: 1, translation: .zero).rotation
        let target = source.map {
            1.3 * SIMD3((turn[0] * $0).sum(), (turn[1] * $0).sum(), (turn[2] * $0).sum()) + SIMD3(4, -7, 11)
        }
        let t = SimilarityTransform(aligning: source, to: target)
        #expect(abs(t.scale - 1.3) < 1e-9)
        let worst = zip(source, target).map { norm(t.apply($0) - $1) }.max()!
        #expect(worst < 1e-6, "worst residual \(worst) mm")
        // A half-turn is the degenerate case for rotation-angle formulas; the quaternion one holds.
        let flipped = source.map { SIMD3(-$0.x, -$0.y, $0.z) }
        let back = SimilarityTransform(aligning: source, to: flipped)
        #expect(zip(source, flipped).map { norm(back.apply($0) - $1) }.max()! < 1e-6)
    }
}

@Suite struct FitterTests {
    /// A synthetic face with known identity, expression and pose: the fit's landmarks land on the
    /// given ones, the residual settles (the convergence report), and the pose comes back.
    @Test func fitRecoversPoseAndReprojectsTheLandmarks() throws {
        let model = try loadModel("face")
        let fitter = ProxyFitter(model: model)
        var benchmark = FitBenchmark(model: model, fitter: fitter)
        benchmark.noise = 0.5
        let cases = try benchmark.run(count: 12, seed: 4)
        for c in cases {
            #expect(c.reprojectionError < 0.04, "reprojection \(c.reprojectionError) of IOD at yaw \(c.yaw)")
        }
        // Fitting never makes the shape worse than the mean face, on average.
        let fitted = cases.map(\.alignedFittedMean).reduce(0, +)
        let baseline = cases.map(\.alignedBaselineMean).reduce(0, +)
        #expect(fitted < baseline, "fitted \(fitted / 12) mm vs mean face \(baseline / 12) mm")
    }

    @Test func residualsSettleAndPoseComesBack() throws {
        let model = try loadModel("face")
        let truth = ScaledOrthographicCamera(yaw: 30, pitch: 10, roll: -5, scale: 1.6, translation: SIMD2(320, 240))
        let shape = model.shape().map { SIMD3<Double>($0) }
        let points = model.landmarkVertices.map { truth.project(shape[$0]) }
        let fitter = ProxyFitter(model: model)
        let fit = try fitter.fit(Landmarks68(points: points))
        print("residuals per round (px): \(fit.residuals.map { String(format: "%.3f", $0) })")
        let rounds = fitter.options.iterations
        #expect(rounds >= 2 && fit.residuals.count == rounds && fit.residuals.last! <= fit.residuals.first! + 1e-9)
        #expect(
            abs(fit.residuals[rounds - 1] - fit.residuals[rounds - 2]) < 0.05,
            "the last round changes the residual by < 0.05 px")
        let angles = fit.camera.eulerDegrees
        #expect(abs(angles.yaw - 30) < 3 && abs(angles.pitch - 10) < 3 && abs(angles.roll + 5) < 1, "\(angles)")
        #expect(fit.expression.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// A single blendshape on the mean face, seen frontally: the bounded fit finds that weight
    /// and keeps every weight in [0, 1].
    @Test func expressionFitFindsAKnownBlendshape() throws {
        let model = try loadModel("face")
        let e = try #require(model.expressionIndex(named: "jawOpen"))
        var beta = [Float](repeating: 0, count: 53)
        beta[e] = 0.6
        let shape = model.shape(expression: beta).map { SIMD3<Double>($0) }
        let camera = ScaledOrthographicCamera(yaw: 0, pitch: 0, roll: 0, scale: 1.5, translation: SIMD2(300, 300))
        let rows = ModelRows(model: model, vertices: model.landmarkVertices)
        let pixels = model.landmarkVertices.map { camera.project(shape[$0]) }
        let fitted = fitExpression(
            rows: rows, pixels: pixels, camera: PerspectiveCamera(camera, principalPoint: .zero),
            identity: [Double](repeating: 0, count: 100), expression: [Double](repeating: 0, count: 53),
            landmarkNoise: 0.5, prior: [Double](repeating: 0, count: 53), priorWeight: 1)
        #expect(abs(fitted[e] - 0.6) < 0.1, "jawOpen \(fitted[e])")
        #expect(fitted.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}

@Suite struct RasterTests {
    /// Two triangles sharing a diagonal tile a square: every pixel centre inside is drawn exactly
    /// once (top-left rule), and barycentric weights sum to 1 and rebuild the pixel centre.
    @Test func sharedEdgesAreDrawnOnce() {
        var hits = [Int](repeating: 0, count: 16 * 16)
        let a = SIMD2(2.0, 2.0)
        let b = SIMD2(14.0, 2.0)
        let c = SIMD2(14.0, 14.0)
        let d = SIMD2(2.0, 14.0)
        for (p, q, r) in [(a, b, c), (a, c, d)] {
            Rasterizer.fill(p, q, r, width: 16, height: 16) { x, y, w0, w1, w2 in
                hits[y * 16 + x] += 1
                #expect(abs(w0 + w1 + w2 - 1) < 1e-12)
                let rebuilt = w0 * p + w1 * q + w2 * r
                #expect(norm(rebuilt - SIMD2(Double(x) + 0.5, Double(y) + 0.5)) < 1e-9)
            }
        }
        for y in 0..<16 {
            for x in 0..<16 {
                let inside = x >= 2 && x < 14 && y >= 2 && y < 14
                #expect(hits[y * 16 + x] == (inside ? 1 : 0), "pixel \(x), \(y)")
            }
        }
    }

    @Test func depthBufferKeepsTheNearestSurface() {
        let far = [SIMD3(0.0, 0, -5), SIMD3(10.0, 0, -5), SIMD3(0.0, 10, -5)]
        let near = [SIMD3(0.0, 0, 3), SIMD3(10.0, 0, 3), SIMD3(0.0, 10, 3)]
        for order in [
            [SIMD3<UInt32>(0, 1, 2), SIMD3<UInt32>(3, 4, 5)], [SIMD3<UInt32>(3, 4, 5), SIMD3<UInt32>(0, 1, 2)],
        ] {
            let buffer = DepthBuffer(width: 10, height: 10, projected: far + near, triangles: order)
            #expect(buffer.depth(at: 2, 2) == 3)
            #expect(buffer.depth(at: 9.5, 9.5) == -.infinity)
        }
    }
}

@Suite struct UnwrapTests {
    /// The astronaut's texture is aligned with the UV layout: the UVs of the eye landmark
    /// vertices hold dark texels (pupils and lashes), the lips' hold red ones, the nose tip's a
    /// visible skin texel; the whole face tile is coloured (alpha may be 0 where hidden).
    @Test func anatomicalTexelsLandOnTheRightColours() throws {
        let model = try loadModel("face")
        let photo = try Photo.load(from: Repository.astronaut)
        let face = try #require(try finder().faces(in: photo).first)
        let fit = try ProxyFitter(model: model).fit(face.landmarks)
        #expect(fit.reprojectionError < 0.04, "landmark fit \(fit.reprojectionError) of IOD")
        let shape = model.shape(identity: fit.identity.map(Float.init), expression: fit.expression.map(Float.init))
        let size = 512
        let texture = TextureUnwrapper(size: size).unwrap(photo: photo, model: model, shape: shape, camera: fit.camera)
        func texelOf(vertex v: Int) -> (r: Int, g: Int, b: Int, a: Int) {
            let corner = model.polygonVertices.firstIndex(of: UInt32(v))!
            let uv = model.uvs[Int(model.polygonUVIndices[corner])]
            let x = min(size - 1, Int(uv.x * Float(size)))
            let y = min(size - 1, Int((1 - uv.y) * Float(size)))
            let o = (y * size + x) * 4
            return (
                Int(texture.pixels[o]), Int(texture.pixels[o + 1]), Int(texture.pixels[o + 2]),
                Int(texture.pixels[o + 3])
            )
        }
        func mean(_ landmarks: [Int]) -> (r: Double, g: Double, b: Double, a: Double) {
            let t = landmarks.map { texelOf(vertex: model.landmarkVertices[$0]) }
            let n = Double(t.count)
            return (
                Double(t.map(\.r).reduce(0, +)) / n, Double(t.map(\.g).reduce(0, +)) / n,
                Double(t.map(\.b).reduce(0, +)) / n, Double(t.map(\.a).reduce(0, +)) / n
            )
        }
        let eyes = mean([37, 38, 40, 41, 43, 44, 46, 47])
        let lips = mean([50, 51, 52, 56, 57, 58])
        let nose = mean([30])
        let skin = (nose.r + nose.g + nose.b) / 3
        print("eye texels \(eyes), lip texels \(lips), nose tip \(nose)")
        #expect((eyes.r + eyes.g + eyes.b) / 3 < 0.75 * skin, "eye lids and lashes are darker than the nose tip")
        #expect(lips.r > lips.g + 25 && lips.r > lips.b + 25, "lips are red")
        #expect(nose.a > 200, "the nose tip faces the camera and is visible")
        // Determinism and full colour coverage of the tile, including padding.
        #expect(
            TextureUnwrapper(size: size).unwrap(photo: photo, model: model, shape: shape, camera: fit.camera) == texture
        )
    }
}

func norm(_ v: SIMD2<Double>) -> Double { (v * v).sum().squareRoot() }
func norm(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }

@Suite struct ReconstructorGuardTests {
    /// The guards that turn unfittable faces into errors naming the photo: a face smaller than the
    /// inter-ocular minimum, and one turned further than the yaw limit (here the limits are set
    /// below the astronaut's own 44 px and 0.6° to exercise them on a real photo).
    @Test func tooSmallAndProfileFacesAreErrorsNamingThePhoto() throws {
        let model = try loadModel("face")
        let base = ProxyReconstructor(finder: try finder(), fitter: ProxyFitter(model: model), model: model)
        var small = base
        small.options.minimumInterocular = 60
        #expect {
            try small.reconstruct(Repository.astronaut)
        } throws: { error in
            (error as? ReconstructError)?.code == .unfittableFace
                && "\(error)".contains("astronaut.png: the face is too small to fit")
        }
        var frontalOnly = base
        frontalOnly.options.maximumYaw = 0.1
        #expect {
            try frontalOnly.reconstruct(Repository.astronaut)
        } throws: { error in
            (error as? ReconstructError)?.code == .unfittableFace
                && "\(error)".contains("astronaut.png: the face is seen in profile")
        }
        #expect(base.options.uvSize == 2048)
        var tiny = base
        tiny.options.uvSize = 512
        let result = try tiny.reconstruct(Repository.astronaut)
        #expect(result.texture.width == 512 && abs(result.fit.camera.eulerDegrees.yaw) < 10)
    }
}

import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

@Suite struct DenseFitTests {
    /// The analytic pose derivatives of a projection match central differences of
    /// `stepped(by:)`, for the orthographic camera and a near pinhole one.
    @Test func poseDerivativesMatchFiniteDifferences() {
        let ortho = PerspectiveCamera(
            ScaledOrthographicCamera(yaw: -18, pitch: 7, roll: 3, scale: 2.1, translation: SIMD2(300, 380)),
            principalPoint: SIMD2(320, 400))
        for camera in [ortho, PerspectiveCameraTests.nearCamera()] {
            var random = SeededRandom(seed: 11)
            for _ in 0..<20 {
                let p = SIMD3(random.unit() * 160 - 80, random.unit() * 200 - 100, random.unit() * 120 - 60)
                let d = camera.projectionDerivatives(at: p)
                #expect(norm(d.pixel - camera.project(p)) < 1e-9)
                let (jx, jy) = camera.jacobian(at: p)
                #expect(norm(jx - d.point.x) < 1e-12 && norm(jy - d.point.y) < 1e-12)
                for j in 0..<PerspectiveCamera.poseParameterCount {
                    var x = [Double](repeating: 0, count: 6)
                    let h = j >= 3 && j < 5 ? 1e-3 : 1e-6
                    x[j] = h
                    let plus = camera.stepped(by: x[...]).project(p)
                    x[j] = -h
                    let minus = camera.stepped(by: x[...]).project(p)
                    let numeric = (plus - minus) / (2 * h)
                    let scale = max(1, abs(numeric.x), abs(numeric.y))
                    #expect(
                        abs(numeric.x - d.pose.x[j]) < 1e-5 * scale && abs(numeric.y - d.pose.y[j]) < 1e-5 * scale,
                        "pose parameter \(j): \(numeric) vs \(d.pose.x[j]), \(d.pose.y[j])")
                }
            }
            // The focal length is held by a scale step.
            let stepped = camera.stepped(by: [0, 0, 0, 0, 0, 0.2][...])
            #expect(stepped.focalPixels.map { abs($0 - camera.focalPixels!) < 1e-9 } ?? (camera.focalPixels == nil))
        }
    }

    /// A box-constrained quadratic: the unconstrained minimum leaves the box in one unknown, so
    /// the solve pins it at the bound and solves the rest exactly; a held unknown does not move.
    @Test func boundedSolvePinsWhatLeavesTheBox() throws {
        var system = NormalSystem(unknowns: 3)
        system.h = [4, 1, 0, 1, 3, 1, 0, 1, 2]
        system.g = [1, 2, 6]
        let free = try #require(
            system.solve(current: [0, 0, 0], lower: [nil, nil, nil], upper: [nil, nil, nil], held: []))
        // Unconstrained: H δ = g.
        for i in 0..<3 { #expect(abs(DenseSolve.dotRows(system.h, row: i, free, n: 3) - system.g[i]) < 1e-9) }
        #expect(free[2] > 1)
        let boxed = try #require(
            system.solve(current: [0, 0, 0.25], lower: [nil, nil, 0], upper: [nil, nil, 1], held: []))
        #expect(abs(boxed[2] - 0.75) < 1e-12)
        // The first two solve the system with the third fixed: [4 1; 1 3] δ = g − H[:, 2] δ₂.
        let b0 = 1 - 0 * 0.75
        let b1 = 2 - 1 * 0.75
        #expect(abs(4 * boxed[0] + boxed[1] - b0) < 1e-9 && abs(boxed[0] + 3 * boxed[1] - b1) < 1e-9)
        let held = try #require(
            system.solve(current: [0, 0, 0], lower: [nil, nil, nil], upper: [nil, nil, nil], held: [1]))
        #expect(held[1] == 0 && abs(4 * held[0] - 1) < 1e-9)
    }

    /// The photometric rows are the residuals' derivatives: the system's gradient (−Σ w f J)
    /// matches central differences of the term's cost in pose, identity and expression. On a flat
    /// photo under a given light only the shading moves, through the normals, and the match is
    /// exact to the model's single-precision rows (0.1 %). On a textured photo the rows also carry
    /// the image gradient, taken by central differences one level pixel apart where the cost sees
    /// the bilinear slope, so there they agree within 5 % of the derivative plus 2 % of the
    /// largest one (the measured gap is under 1 % of the largest).
    @Test(arguments: [false, true])
    func photometricRowsAreTheCostsGradient(textured: Bool) throws {
        let model = try loadModel("face")
        let term = PhotometricTerm(model: model, spacing: 6, albedoRadius: 15)
        var photo = Image<UInt8>(width: 640, height: 800, channels: 3)
        for y in 0..<800 {
            for x in 0..<640 {
                let v = textured ? 128 + 90 * sin(Double(x) / 37) * cos(Double(y) / 53) : 128
                for c in 0..<3 { photo.pixels[(y * 640 + x) * 3 + c] = UInt8(v) }
            }
        }
        let pyramid = GreyPyramid(rgb: photo, count: 2)
        let camera = PerspectiveCamera(
            ScaledOrthographicCamera(yaw: 12, pitch: -5, roll: 2, scale: 2.2, translation: SIMD2(320, 400)),
            principalPoint: SIMD2(320, 400))
        let k = model.identityCount
        let e = model.expressionNames.count
        var alpha = [Double](repeating: 0, count: k)
        alpha[0] = 0.8
        var beta = [Double](repeating: 0, count: e)
        let jaw = try #require(model.expressionIndex(named: "jawOpen"))
        beta[jaw] = 0.3
        let surface = term.surface(identity: alpha, expression: beta)
        let shape = model.shape(identity: alpha.map(Float.init), expression: beta.map(Float.init))
        let visible = term.visible(surface: surface, shape: shape, camera: camera, level: pyramid.levels[1])
        let o = term.observe(surface, camera: camera, pyramid: pyramid, level: 1, visible: visible)
        #expect(o.visible.filter { $0 }.count > 300)
        var look = term.appearance(o, previous: nil, rounds: 2)
        if !textured { look.light = [0.3, 0.1, 0.2, 0.15, 0.05, 0.04, 0.03, 0.02, 0.06] }
        var system = NormalSystem(unknowns: 6 + k + e)
        term.accumulate(into: &system, o, surface, look, camera: camera, scale: 1)
        func cost(_ j: Int, _ h: Double) -> Double {
            let (c, a, b) = stepped(camera, alpha, beta, unknown: j, by: h)
            let moved = term.observe(
                term.surface(identity: a, expression: b), camera: c, pyramid: pyramid, level: 1, visible: visible)
            return term.cost(moved, look, scale: 1)
        }
        let unknowns = [0, 1, 2, 3, 4, 5, 6, 7, 6 + k + jaw]
        let pairs = unknowns.map { j -> (numeric: Double, analytic: Double) in
            let h = j == 3 || j == 4 ? 1e-2 : 1e-4
            return ((cost(j, h) - cost(j, -h)) / (2 * h), -2 * system.g[j])
        }
        let largest = pairs.map { abs($0.numeric) }.max()!
        #expect(largest > 0.1)
        for (j, pair) in zip(unknowns, pairs) {
            let tolerance =
                textured ? 0.05 * abs(pair.numeric) + 0.02 * largest : 1e-3 * max(abs(pair.numeric), 1e-2 * largest)
            #expect(
                abs(pair.numeric - pair.analytic) <= tolerance,
                "unknown \(j): numeric \(pair.numeric), analytic \(pair.analytic)")
        }
    }
}

@Suite struct DenseFitPartsTests {
    /// Linear luminance at every level: a uniform sRGB grey decodes to the same linear value on
    /// all levels, and a ramp linear in light has the same gradient per photo pixel on each level
    /// (levels are in level pixels; the gradient is reported per photo pixel).
    @Test func pyramidKeepsLinearLightAndGradientsPerPhotoPixel() {
        var flat = Image<UInt8>(width: 64, height: 48, channels: 3)
        for i in flat.pixels.indices { flat.pixels[i] = 188 }
        let grey = GreyPyramid(rgb: flat, count: 3)
        #expect(grey.levels.map(\.width) == [64, 32, 16] && grey.levels.map(\.step) == [1, 2, 4])
        let expected = Double(srgbToLinear(188 / 255))
        for level in 0..<3 {
            let s = grey.sample(level, at: SIMD2(30, 20))
            #expect(s.map { abs($0.value - expected) < 1e-6 && abs($0.gradient.x) < 1e-9 } == true)
        }
        // 8-bit codes whose linear values rise by one step per pixel: a linear-light ramp.
        var ramp = Image<UInt8>(width: 256, height: 64, channels: 3)
        let codes = (0..<256).map { x -> UInt8 in
            let target = 0.1 + 0.6 * Float(x) / 255
            return UInt8(
                (0..<256).min {
                    abs(srgbToLinear(Float($0) / 255) - target) < abs(srgbToLinear(Float($1) / 255) - target)
                }!)
        }
        for y in 0..<64 { for x in 0..<256 { for c in 0..<3 { ramp.pixels[(y * 256 + x) * 3 + c] = codes[x] } } }
        let pyramid = GreyPyramid(rgb: ramp, count: 3)
        for level in 0..<3 {
            let g = pyramid.sample(level, at: SIMD2(128, 32))!.gradient
            #expect(abs(g.x - 0.6 / 255) < 0.2 * 0.6 / 255 && abs(g.y) < 1e-6, "level \(level): \(g)")
        }
        #expect(pyramid.sample(0, at: SIMD2(0.5, 0.5)) == nil)
    }

    /// The contour term's rows are its cost's gradient: for outline points matched to given edges,
    /// −2 g matches central differences of Σ w ρ_H(d / σ) in pose, identity and expression, within
    /// 0.5 % (the model's rows are single precision, and a residual may cross Huber's kink).
    @Test func contourRowsAreTheCostsGradient() throws {
        let model = try loadModel("face")
        let contour = OccludingContour(model: model)
        let camera = PerspectiveCamera(
            ScaledOrthographicCamera(yaw: 20, pitch: -4, roll: 3, scale: 2.5, translation: SIMD2(320, 400)),
            principalPoint: SIMD2(320, 400))
        let k = model.identityCount
        let e = model.expressionNames.count
        var alpha = [Double](repeating: 0, count: k)
        alpha[1] = -0.6
        let beta = [Double](repeating: 0, count: e)
        let positions = contour.rows.positions(identity: alpha, expression: beta)
        var random = SeededRandom(seed: 5)
        // Every 40th candidate, each with an edge a few pixels off along a direction of its own.
        let matches = stride(from: 0, to: positions.count, by: 40).map { i -> OccludingContour.Match in
            let angle = random.unit() * 2 * .pi
            let direction = SIMD2(cos(angle), sin(angle))
            let edge = camera.project(positions[i]) + (random.unit() * 8 - 4) * direction
            return OccludingContour.Match(index: i, direction: direction, edge: edge)
        }
        let sigma = 3.0
        let huber = 2.0
        var system = NormalSystem(unknowns: 6 + k + e)
        contour.accumulate(
            into: &system, matches, camera: camera, identity: alpha, expression: beta, sigma: sigma, weight: 1,
            huber: huber)
        func cost(_ j: Int, _ h: Double) -> Double {
            let (c, a, b) = stepped(camera, alpha, beta, unknown: j, by: h)
            return contour.residuals(matches, camera: c, identity: a, expression: b).reduce(0) {
                let d = abs($1) / sigma
                return $0 + (d <= huber ? d * d : 2 * huber * d - huber * huber)
            }
        }
        let unknowns = [0, 1, 2, 3, 4, 5, 6, 7, 6 + k + model.expressionIndex(named: "jawOpen")!]
        for j in unknowns {
            // Shape steps large enough to rise above the single-precision rows' rounding.
            let h = j < 3 || j == 5 ? 1e-5 : 1e-2
            let numeric = (cost(j, h) - cost(j, -h)) / (2 * h)
            let analytic = -2 * system.g[j]
            #expect(abs(numeric - analytic) <= 5e-3 * max(abs(numeric), 1), "unknown \(j): \(numeric) vs \(analytic)")
        }
    }
}

/// The camera, α and β moved by `h` along one of the dense fit's unknowns (the six pose parameters
/// of `PerspectiveCamera.stepped(by:)`, then α, then β): the finite differences of the row tests.
private func stepped(
    _ camera: PerspectiveCamera, _ alpha: [Double], _ beta: [Double], unknown j: Int, by h: Double
) -> (PerspectiveCamera, [Double], [Double]) {
    var x = [Double](repeating: 0, count: 6 + alpha.count + beta.count)
    x[j] = h
    let a = alpha.indices.map { alpha[$0] + x[6 + $0] }
    let b = beta.indices.map { beta[$0] + x[6 + alpha.count + $0] }
    return (camera.stepped(by: x[0..<6]), a, b)
}

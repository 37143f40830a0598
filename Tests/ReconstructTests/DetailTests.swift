import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// A face with known grooves, seen under a known light: what the shading solve must recover.
struct GroovedFace {
    /// A straight groove: Gaussian cross-section of `sigma` texels, `depth` mm deep, along a
    /// segment of `length` texels through `centre` at `angle` degrees, tapered to zero at its ends.
    struct Groove {
        var centre: SIMD2<Float>
        var angle: Float
        var length: Float
        var depth: Float
        var sigma: Float
    }

    static let grooves = [
        Groove(centre: SIMD2(0.50, 0.22), angle: 0, length: 0.22, depth: 0.6, sigma: 3),  // forehead, horizontal
        Groove(centre: SIMD2(0.36, 0.62), angle: 60, length: 0.14, depth: 1.0, sigma: 3.5),  // left nasolabial, oblique
        Groove(centre: SIMD2(0.64, 0.62), angle: 120, length: 0.14, depth: 0.8, sigma: 3.5),  // right nasolabial
        // Between the brows, vertical.
        Groove(centre: SIMD2(0.50, 0.33), angle: 90, length: 0.08, depth: 0.3, sigma: 2.5),
    ]

    /// Truth displacement (mm) and its analytic texel gradient at texel centre (x, y) of an n-grid.
    static func truth(x: Int, y: Int, size n: Int) -> (d: Float, dx: Float, dy: Float) {
        var d: Float = 0
        var gx: Float = 0
        var gy: Float = 0
        let p = SIMD2(Float(x) + 0.5, Float(y) + 0.5)
        for g in grooves {
            let c = g.centre * Float(n)
            let along = SIMD2(cosf(g.angle * .pi / 180), sinf(g.angle * .pi / 180))
            let across = SIMD2(-along.y, along.x)
            let half = g.length * Float(n) / 2
            let t = ((p - c) * along).sum()
            let s = ((p - c) * across).sum()
            guard abs(t) < half else { continue }
            let profile = expf(-s * s / (2 * g.sigma * g.sigma))
            let taper = powf(cosf(.pi * t / (2 * half)), 2)
            let dProfile = -s / (g.sigma * g.sigma) * profile
            let dTaper = -(.pi / (2 * half)) * sinf(.pi * t / half)
            d -= g.depth * profile * taper
            let grad = -g.depth * (dProfile * taper * across + profile * dTaper * along)
            gx += grad.x
            gy += grad.y
        }
        return (d, gx, gy)
    }

    static let light = SphericalHarmonicsLighting(coefficients: [
        SIMD3(1.00, 0.96, 0.92), SIMD3(0.40, 0.38, 0.36), SIMD3(0.55, 0.53, 0.50), SIMD3(-0.35, -0.33, -0.32),
        SIMD3(-0.05, -0.05, -0.05), SIMD3(0.06, 0.06, 0.06), SIMD3(-0.04, -0.04, -0.04), SIMD3(0.03, 0.03, 0.03),
        SIMD3(0.02, 0.02, 0.02),
    ])

    /// Skin colour varying slowly over the tile (no texel-scale albedo).
    static func albedo(x: Int, y: Int, size n: Int) -> SIMD3<Float> {
        let u = (Float(x) + 0.5) / Float(n)
        let v = (Float(y) + 0.5) / Float(n)
        return SIMD3(0.72, 0.52, 0.42) * (1 + 0.12 * sinf(3 * u + 1) * cosf(2 * v))
    }

    /// The texture an unwrap of this face would give: sRGB 8-bit of albedo × shading at the
    /// displaced normal, alpha = facing.
    static func texture(surface: SurfaceBuffer) -> Image<UInt8> {
        let n = surface.size
        var image = Image<UInt8>(width: n, height: n, channels: 4)
        func srgb(_ v: Float) -> UInt8 {
            let c = max(0, min(1, v))
            let e = c <= 0.0031308 ? 12.92 * c : 1.055 * powf(c, 1 / 2.4) - 0.055
            return UInt8((e * 255).rounded())
        }
        for y in 0..<n {
            for x in 0..<n {
                let i = y * n + x
                guard surface.covered[i] else { continue }
                let t = truth(x: x, y: y, size: n)
                let normal = normalized(surface.normals[i] - t.dx * surface.slopeX[i] - t.dy * surface.slopeY[i])
                let colour = albedo(x: x, y: y, size: n) * light.shading(normal)
                let facing = max(0, surface.normals[i].z)
                image.pixels.replaceSubrange(
                    (4 * i)..<(4 * i + 4), with: [srgb(colour.x), srgb(colour.y), srgb(colour.z), UInt8(facing * 255)])
            }
        }
        return image
    }
}

@Suite struct DetailTests {
    /// Grooves 0.3–1 mm deep at four orientations on a random ICT identity turned 12° away, rendered
    /// under a known SH light into its UV texture: `sfs`, estimating light and albedo itself,
    /// recovers them with correlation ≥ 0.8 over the visible texels and an amplitude (least-squares
    /// slope of recovered on truth) within ±30 %.
    @Test func shadingSolveRecoversKnownGrooves() throws {
        let model = try loadModel("face")
        var random = SeededRandom(seed: 5)
        let mesh = model.mesh(identity: (0..<model.identityCount).map { _ in Float(random.gaussian()) * 0.8 })
        let camera = ScaledOrthographicCamera(yaw: 12, pitch: -6, roll: 2, scale: 1, translation: .zero)
        let n = 512
        let surface = SurfaceBuffer(mesh: mesh, rotation: camera.rotation, size: n)
        let texture = GroovedFace.texture(surface: surface)
        let result = try ShadingDetail().synthesize(
            DetailInput(texture: texture, proxy: mesh, rotation: camera.rotation, workingSize: n))
        let samples = ShadingSamples(texture: texture, factor: 1)
        var recovered: [Float] = []
        var truth: [Float] = []
        for i in 0..<(n * n) where surface.covered[i] && samples.weights[i] > 0 {
            recovered.append(result.displacement.values.pixels[i])
            truth.append(GroovedFace.truth(x: i % n, y: i / n, size: n).d)
        }
        let (correlation, slope) = statistics(recovered, truth)
        print(
            "grooves: correlation \(correlation), amplitude \(slope) over \(truth.count) visible texels; photometric RMS \(result.photometricError!)"
        )
        #expect(correlation >= 0.8)
        #expect(abs(slope - 1) <= 0.3)
    }

    /// The solve's first-order model of a displaced normal (`SurfaceBuffer`) against a mesh really
    /// subdivided and displaced by `Mesh.displaced` (an independent path): median angle under 0.5°
    /// where the displacement tilts normals by about 6° (measured 0.23° against 6.2°).
    @Test func surfaceSlopesPredictARealDisplacedMesh() throws {
        let model = try loadModel("face")
        let mesh = Subdivision.subdivided(model.mesh(), levels: 2)
        let n = 512
        var map = Image<Float>(width: n, height: n, channels: 1)
        for y in 0..<n {
            for x in 0..<n {
                map.pixels[y * n + x] = 0.8 * sinf(Float(x) * 2 * .pi / 48) * cosf(Float(y) * 2 * .pi / 64)
            }
        }
        let displaced = mesh.displaced(by: DisplacementMap(values: map), meshUnit: .millimetre)
        let identity: [SIMD3<Double>] = [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]
        let base = SurfaceBuffer(mesh: mesh, rotation: identity, size: n)
        let moved = SurfaceBuffer(mesh: displaced, rotation: identity, size: n)
        var predicted: [Float] = []
        var undisplaced: [Float] = []
        for i in 0..<(n * n) where base.covered[i] && moved.covered[i] {
            let (x, y) = (i % n, i / n)
            guard x > 2, y > 2, x < n - 3, y < n - 3 else { continue }
            predicted.append(acosf(min(1, dot(base.displacedNormal(i, map.pixels), moved.normals[i]))) * 180 / .pi)
            undisplaced.append(acosf(min(1, dot(base.normals[i], moved.normals[i]))) * 180 / .pi)
        }
        predicted.sort()
        undisplaced.sort()
        let (median, flat) = (predicted[predicted.count / 2], undisplaced[undisplaced.count / 2])
        print("displaced normals: predicted within \(median)° (median), undisplaced \(flat)° off")
        #expect(median < 0.5 && flat > 4)
    }

    func statistics(_ a: [Float], _ b: [Float]) -> (correlation: Double, slope: Double) {
        let n = Double(a.count)
        let ma = a.reduce(0) { $0 + Double($1) } / n
        let mb = b.reduce(0) { $0 + Double($1) } / n
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        for (x, y) in zip(a, b) {
            let (da, db) = (Double(x) - ma, Double(y) - mb)
            sab += da * db
            saa += da * da
            sbb += db * db
        }
        return (sab / (saa * sbb).squareRoot(), sab / sbb)
    }
}

import Formats
import Foundation

/// One synthetic training (or held-out) example for the detail network: a face whose relief is
/// known, rendered into the unwrapped-texture domain the way `reconstruct` sees a photo.
///
/// - Geometry: a random ICT identity (α ~ N(0, 1)) and a sparse expression (one to three of the
///   wrinkle-driving blendshapes, weights uniform in [0, 1], both sides), seen at a random pose
///   (yaw ±35°, pitch ±15°, roll ±6°).
/// - Relief and albedo: `TruthTextures` (anatomically placed, expression-driven wrinkles, age
///   lines and pores; brows, lips, moles and freckles), plus grooves and ridges anywhere
///   (`SyntheticMarks.freeRelief`), dark lines that are not relief, and hairline, stubble, blush
///   and eye make-up on some faces, at a skin tone drawn from `tones`.
/// - Light: order-2 SH, from `SyntheticLights`.
/// - Rendering at twice the grid (the displaced surface's normal by central differences), box-
///   averaged to the grid, blurred by σ 0–1 texel (the photo's effective resolution), noise of
///   0.5–2.5 grey levels, sRGB 8-bit; alpha = the facing term (normal toward the viewer), as the
///   unwrap's visibility × facing without self-occlusion.
public struct SyntheticDetailPair: Sendable {
    public let size: Int
    /// RGBA sRGB 8-bit, size², alpha = facing.
    public let texture: Image<UInt8>
    /// The proxy (the true shape without the relief) on the grid, camera frame.
    public let surface: SurfaceBuffer
    /// The true relief, mm, size² (DESIGN.md §3 sign: outward positive).
    public let displacement: [Float]
    /// Texels carrying a mark that is not relief (brows, lips, moles, freckles, hair, stubble, make-up).
    public let confounders: [Bool]
    public let seed: UInt64
    /// The true shape (mm, the model's UVs) and the pose's rotation (rows of R): what a
    /// synthesizer receives as the proxy.
    public let mesh: Mesh
    public let rotation: [SIMD3<Double>]

    /// What every pair of a set shares: the model and where its landmarks sit in UV space.
    public struct Generator: Sendable {
        public let model: MorphableModel
        public let size: Int
        /// Lights recovered from real photos; each pair turns one of them by a random rotation
        /// half of the time (the other half is a random directional light). Empty: directional only.
        public var realLights: [SphericalHarmonicsLighting]
        /// Linear RGB skin tones to draw from (the real photos' mean albedo); empty: `TruthTextures`' own.
        public var tones: [SIMD3<Float>]
        let landmarkUVs: [SIMD2<Double>]

        public init(
            model: MorphableModel, size: Int = 256, realLights: [SphericalHarmonicsLighting] = [],
            tones: [SIMD3<Float>] = []
        ) {
            self.model = model
            self.size = size
            self.realLights = realLights
            self.tones = tones
            landmarkUVs = TruthScene.landmarkUVs(model)
        }

        /// Blendshapes whose weight drives a wrinkle (and so are worth drawing), both sides set together.
        static let drivers: [[String]] = [
            ["browInnerUp_L", "browInnerUp_R"], ["browOuterUp_L", "browOuterUp_R"], ["browDown_L", "browDown_R"],
            ["mouthSmile_L", "mouthSmile_R"], ["eyeSquint_L", "eyeSquint_R"], ["cheekSquint_L", "cheekSquint_R"],
            ["jawOpen"], ["mouthFrown_L", "mouthFrown_R"], ["mouthPucker"],
        ]

        public func pair(seed: UInt64) -> SyntheticDetailPair {
            var random = SeededRandom(seed: seed &* 0xD1B5_4A32_D192_ED03 &+ 0x5EED)
            let identity = (0..<model.identityCount).map { _ in Float(random.gaussian()) }
            var expression = [Double](repeating: 0, count: model.expressionNames.count)
            for _ in 0..<(1 + Int(random.unit() * 3)) {
                let weight = random.unit()
                for name in Self.drivers[Int(random.unit() * Double(Self.drivers.count))] {
                    if let k = model.expressionIndex(named: name) { expression[k] = weight }
                }
            }
            let mesh = model.mesh(identity: identity, expression: expression.map(Float.init))
            let camera = ScaledOrthographicCamera(
                yaw: 35 * (2 * random.unit() - 1), pitch: 15 * (2 * random.unit() - 1),
                roll: 6 * (2 * random.unit() - 1), scale: 1, translation: .zero)
            let fine = 2 * size
            let maps = TruthTextures(
                seed: seed, expression: expression, expressionNames: model.expressionNames, landmarkUVs: landmarkUVs,
                size: fine)
            var painter = Painter(image: maps.albedo)
            SyntheticMarks.paint(&painter, landmarks: landmarkUVs, size: fine, &random)
            SyntheticMarks.lines(&painter, landmarks: landmarkUVs, size: fine, &random)
            let albedo = SyntheticMarks.linearAlbedo(
                painter.image, skin: maps.skinLinear,
                tone: tones.isEmpty ? nil : tones[Int(random.unit() * Double(tones.count))],
                &random)
            let confounders = zip(maps.confounders, painter.painted).map { $0 || $1 }
            let light = drawLight(&random)
            let fineSurface = SurfaceBuffer(mesh: mesh, rotation: camera.rotation, size: fine)
            let free = SyntheticMarks.freeRelief(landmarks: landmarkUVs, size: fine, &random)
            let relief = zip(maps.displacement.pixels, free).map { $0 + $1 }
            var colour = [SIMD3<Float>](repeating: .zero, count: fine * fine)
            for i in colour.indices where fineSurface.covered[i] {
                colour[i] = albedo[i] * light.shading(fineSurface.displacedNormal(i, relief))
            }
            let surface = SurfaceBuffer(mesh: mesh, rotation: camera.rotation, size: size)
            let blur = Float(random.unit())
            let noise = Float(0.5 + 2 * random.unit())
            let texture = SyntheticMarks.photograph(
                colour: colour, fineSize: fine, surface: surface, blur: blur, noiseLevels: noise, &random)
            return SyntheticDetailPair(
                size: size, texture: texture, surface: surface, displacement: Self.boxDown(relief, fine),
                confounders: Self.anyDown(confounders, fine), seed: seed, mesh: mesh, rotation: camera.rotation)
        }

        func drawLight(_ random: inout SeededRandom) -> SphericalHarmonicsLighting {
            let tint = SIMD3<Float>(
                Float(0.92 + 0.16 * random.unit()), Float(0.95 + 0.1 * random.unit()), Float(0.9 + 0.2 * random.unit()))
            if !realLights.isEmpty, random.unit() < 0.5 {
                let light = realLights[Int(random.unit() * Double(realLights.count))]
                let turn = ScaledOrthographicCamera(
                    yaw: 40 * (2 * random.unit() - 1), pitch: 25 * (2 * random.unit() - 1),
                    roll: 20 * (2 * random.unit() - 1), scale: 1, translation: .zero)
                let turned = SyntheticLights.rotated(light, by: turn.rotation)
                let facing = turned.shading(SIMD3(0, 0, 1))
                let level = Float(0.55 + 0.35 * random.unit()) / max(luminance(facing), 1e-3)
                return SphericalHarmonicsLighting(coefficients: turned.coefficients.map { $0 * level * tint })
            }
            // Within 75° of the view axis, more often from above than below.
            let azimuth = 2 * Double.pi * random.unit()
            let polar = 75 * random.unit().squareRoot() * .pi / 180
            var direction = SIMD3(Float(sin(polar) * cos(azimuth)), Float(sin(polar) * sin(azimuth)), Float(cos(polar)))
            if direction.y < 0, random.unit() < 0.5 { direction.y = -direction.y }
            return SyntheticLights.directional(
                direction: direction, ambient: Float(0.15 + 0.5 * random.unit()), tint: tint,
                exposure: Float(0.55 + 0.35 * random.unit()))
        }

        static func boxDown(_ v: [Float], _ fine: Int) -> [Float] {
            let n = fine / 2
            return (0..<(n * n)).map { i in
                let (x, y) = (2 * (i % n), 2 * (i / n))
                return (v[y * fine + x] + v[y * fine + x + 1] + v[(y + 1) * fine + x] + v[(y + 1) * fine + x + 1]) / 4
            }
        }

        static func anyDown(_ v: [Bool], _ fine: Int) -> [Bool] {
            let n = fine / 2
            return (0..<(n * n)).map { i in
                let (x, y) = (2 * (i % n), 2 * (i / n))
                return v[y * fine + x] || v[y * fine + x + 1] || v[(y + 1) * fine + x] || v[(y + 1) * fine + x + 1]
            }
        }
    }
}

import Formats
import Foundation

/// The truth maps of a render-truth face, in the model's face UV tile (DESIGN.md §3 texel
/// convention): an albedo with things that are not relief (brows, lips, moles, freckles), and a
/// displacement map in mm with the relief that is (expression-driven wrinkles, age lines, pores).
///
/// Features are placed from the UVs of the model's 68 landmark vertices, so they sit where the
/// anatomy puts them on every identity. Depths: forehead furrows 0.1–0.7 mm growing with brow
/// raise, glabella lines 0.1–0.7 mm with brow lowering, nasolabial folds 0.2–1.0 mm with smiling,
/// crow's feet 0.05–0.45 mm with smiling and squinting, lines under the eyes 0.1 mm; widths (σ)
/// 0.6–1.5 mm. These follow the 0.05–1 mm wrinkle depths of skin-profilometry studies that issue
/// 16 cites; pores are ±0.03 mm band-limited noise.
public struct TruthTextures: Sendable {
    /// Side of both maps, texels.
    public let size: Int
    /// sRGB, 3 channels.
    public private(set) var albedo: Image<UInt8>
    /// mm along the normal, outward positive.
    public private(set) var displacement: Image<Float>
    /// Texels of the albedo that carry a confounder (brow, lip, mole, freckle): where relief must not appear.
    public private(set) var confounders: [Bool]
    /// Linear RGB of the base skin tone (for the rest of the head).
    public let skinLinear: SIMD3<Double>

    /// Skin tones (sRGB) from light to dark, one per face in turn.
    static let tones: [SIMD3<Double>] = [[226, 180, 156], [204, 150, 118], [176, 126, 94], [132, 92, 68]]

    /// The maps of `face`; `landmarkUVs` are the face-tile UVs of the 68 landmark vertices, and
    /// `expressionNames` the model's blendshape names in `face.expression`'s order.
    public init(face: TruthFace, expressionNames: [String], landmarkUVs: [SIMD2<Double>], size: Int = 1024) {
        self.init(
            seed: face.seed, expression: face.expression, expressionNames: expressionNames, landmarkUVs: landmarkUVs,
            size: size)
    }

    /// The maps drawn from `seed` for blendshape weights `expression` (the detail network's
    /// synthetic training pairs use this directly, without a render-truth face).
    public init(
        seed: UInt64, expression: [Double], expressionNames: [String], landmarkUVs: [SIMD2<Double>], size: Int = 1024
    ) {
        self.size = size
        var random = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 17)
        let tone = Self.tones[Int(seed % UInt64(Self.tones.count))] * (0.95 + 0.1 * random.unit())
        skinLinear = SIMD3(Self.linear(tone.x / 255), Self.linear(tone.y / 255), Self.linear(tone.z / 255))
        let s = Double(size)
        /// Landmark k in texel coordinates (x right, y down).
        let point = landmarkUVs.map { SIMD2($0.x * s, (1 - $0.y) * s) }
        var painter = Painter(size: size, base: tone)
        painter.mottle(&random, amplitude: 0.05)
        // Lips and brows, then moles and freckles.
        painter.lipsAndBrows(landmarks: point, tone: tone, hair: [58, 40, 30], strokes: 900, &random)
        let eyeLine = (point[36] + point[45]) / 2
        let mouthLine = (point[48] + point[54]) / 2
        let cheekSpan = norm(point[45] - point[36])
        for k in 0..<(3 + Int(random.unit() * 4)) {
            let p =
                eyeLine
                + SIMD2(
                    (random.unit() - 0.5) * 1.6 * cheekSpan, (0.2 + 0.9 * random.unit()) * (mouthLine.y - eyeLine.y))
            painter.disc(at: p, radius: 4 + 3 * random.unit() + Double(k % 2), colour: [70, 45, 35], opacity: 0.9)
        }
        for _ in 0..<(60 + Int(random.unit() * 90)) {
            let p =
                eyeLine
                + SIMD2(
                    (random.unit() - 0.5) * 1.2 * cheekSpan, (0.1 + 0.6 * random.unit()) * (mouthLine.y - eyeLine.y))
            painter.disc(at: p, radius: 2 + 1.5 * random.unit(), colour: tone * 0.7, opacity: 0.7)
        }
        albedo = painter.image
        confounders = painter.painted

        // Relief, from the expression's weights.
        func weight(_ names: String...) -> Double {
            names.compactMap { expressionNames.firstIndex(of: $0).map { expression[$0] } }.max() ?? 0
        }
        let mm = s * Self.uvPerMillimetre  // texels per mm on the face, roughly
        var relief = Relief(size: size)
        let browRaise = weight("browInnerUp_L", "browInnerUp_R", "browOuterUp_L", "browOuterUp_R")
        let browDown = weight("browDown_L", "browDown_R")
        let smile = weight("mouthSmile_L", "mouthSmile_R")
        let squint = weight("eyeSquint_L", "eyeSquint_R", "cheekSquint_L")
        let gap = 0.55 * norm(point[19] - point[37])
        for k in 1...3 {
            let lift = SIMD2(0, -Double(k) * gap)
            relief.groove(
                through: [point[17], point[19], point[24], point[26]].map { $0 + lift },
                depth: 0.1 + 0.6 * browRaise, sigma: 1.2 * mm)
        }
        for side in [-1.0, 1.0] {
            let base = (point[21] + point[22]) / 2 + SIMD2(side * 0.12 * gap, 0)
            relief.groove(
                through: [base, base + SIMD2(side * 0.1 * gap, -1.1 * gap)], depth: 0.1 + 0.6 * browDown,
                sigma: 0.8 * mm)
        }
        for (wing, corner) in [(point[31], point[48]), (point[35], point[54])] {
            let out = SIMD2((corner.x - wing.x) * 0.35, 0)
            relief.groove(
                through: [wing + out * 0.4, (wing + corner) / 2 + out, corner + out * 0.8 + SIMD2(0, 0.15 * gap)],
                depth: 0.2 + 0.8 * smile, sigma: 1.5 * mm)
        }
        for (outer, sign) in [(point[36], -1.0), (point[45], 1.0)] {
            for angle in [-25.0, 0, 25] {
                let a = angle * .pi / 180
                let dir = SIMD2(sign * cos(a), sin(a))
                relief.groove(
                    through: [outer + dir * 0.25 * gap, outer + dir * 1.2 * gap],
                    depth: 0.05 + 0.4 * max(smile, squint), sigma: 0.6 * mm)
            }
        }
        for eye in [Array(point[39...41]) + [point[36]], Array(point[45...47]) + [point[42]]] {
            relief.groove(through: eye.map { $0 + SIMD2(0, 0.45 * gap) }, depth: 0.1, sigma: 0.8 * mm)
        }
        relief.pores(&random, amplitude: 0.03)
        displacement = relief.map
    }

    /// Face-tile UV span of one mm on the ICT face, roughly (the tile spans about 250 mm of skin).
    static let uvPerMillimetre = 1.0 / 250

    static func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
}

import Formats
import Foundation

/// The confounders `TruthTextures` does not paint, and the camera's part of a synthetic pair.
enum SyntheticMarks {
    /// On some faces: a hairline or fringe over the forehead (35 %), stubble over the jaw and upper
    /// lip (25 %), blush on the cheeks (30 %), eye make-up between lids and brows (30 %). Landmarks
    /// are the 68 UVs; the painter is at `size` texels.
    static func paint(_ painter: inout Painter, landmarks: [SIMD2<Double>], size: Int, _ random: inout SeededRandom) {
        let s = Double(size)
        let p = landmarks.map { SIMD2($0.x * s, (1 - $0.y) * s) }
        let gap = 0.55 * norm(p[19] - p[37])
        let hair = SIMD3<Double>(20 + 60 * random.unit(), 15 + 40 * random.unit(), 10 + 30 * random.unit())
        if random.unit() < 0.35 {
            // A wavy edge 2.5–4.5 brow gaps above the brows, filled up to the tile's top.
            let edge = (p[19].y + p[24].y) / 2 - gap * (2.5 + 2 * random.unit())
            let phase = 2 * Double.pi * random.unit()
            let left = p[0].x - gap
            let right = p[16].x + gap
            var outline = stride(from: left, through: right, by: max(1, (right - left) / 40)).map { x in
                SIMD2(x, edge + 0.4 * gap * sin(phase + 9 * (x - left) / (right - left)) * random.unit())
            }
            outline += [SIMD2(right, 0), SIMD2(left, 0)]
            painter.fillPolygon(outline, colour: hair)
        }
        if random.unit() < 0.25 {
            let top = p[33].y
            let bottom = p[8].y
            for _ in 0..<Int(1500 * s / 512) {
                let x = p[4].x + (p[12].x - p[4].x) * random.unit()
                let y = top + (bottom - top) * random.unit()
                painter.disc(
                    at: SIMD2(x, y), radius: 0.3 + 0.5 * random.unit() * s / 512, colour: hair, opacity: 0.6)
            }
        }
        if random.unit() < 0.3 {
            let blush = SIMD3<Double>(200, 90, 100)
            let opacity = 0.05 + 0.1 * random.unit()
            for (eye, mouth) in [(p[41], p[48]), (p[46], p[54])] {
                let centre = (eye + mouth) / 2 + SIMD2((eye.x - (p[39].x + p[42].x) / 2) * 0.4, 0)
                softDisc(&painter, at: centre, radius: 1.4 * gap, colour: blush, opacity: opacity)
            }
        }
        if random.unit() < 0.3 {
            let shadow = SIMD3<Double>(60 + 60 * random.unit(), 40 + 40 * random.unit(), 60 + 60 * random.unit())
            let opacity = 0.15 + 0.3 * random.unit()
            for (eye, brow) in [(p[37], p[19]), (p[44], p[24])] {
                softDisc(&painter, at: (eye * 2 + brow) / 3, radius: 0.7 * gap, colour: shadow, opacity: opacity)
            }
        }
    }

    /// Relief not tied to the anatomy, so the network must read it from the shading rather than
    /// place a template: 2–8 grooves (0.05–0.6 mm deep, σ 0.6–2 mm, 10–45 mm long, any direction)
    /// and 0–3 ridges (0.05–0.3 mm high) anywhere on the face. Returns them in mm at `size`.
    static func freeRelief(landmarks: [SIMD2<Double>], size: Int, _ random: inout SeededRandom) -> [Float] {
        let s = Double(size)
        let mm = s * TruthTextures.uvPerMillimetre
        var relief = Relief(size: size)
        for k in 0..<(2 + Int(random.unit() * 7) + Int(random.unit() * 4)) {
            let (a, b) = randomSegment(
                landmarks: landmarks, size: size, length: (10 + 35 * random.unit()) * mm, &random)
            let depth = k < 2 || random.unit() < 0.7 ? 0.05 + 0.55 * random.unit() : -(0.05 + 0.25 * random.unit())
            relief.groove(through: [a, (a + b) / 2, b], depth: depth, sigma: (0.6 + 1.4 * random.unit()) * mm)
        }
        return relief.map.pixels
    }

    /// 0–4 thin dark lines in the albedo (eyeliner, scars, stray hairs, pen marks) shaped like
    /// grooves but with no relief: only the shading's asymmetry under light tells them apart.
    static func lines(
        _ painter: inout Painter, landmarks: [SIMD2<Double>], size: Int, _ random: inout SeededRandom
    ) {
        let mm = Double(size) * TruthTextures.uvPerMillimetre
        for _ in 0..<Int(random.unit() * 5) {
            let (a, b) = randomSegment(landmarks: landmarks, size: size, length: (8 + 30 * random.unit()) * mm, &random)
            let colour = SIMD3<Double>(40 + 80 * random.unit(), 30 + 50 * random.unit(), 30 + 50 * random.unit())
            let radius = (0.3 + 0.9 * random.unit()) * mm
            let opacity = 0.2 + 0.6 * random.unit()
            let steps = Int(norm(b - a)) + 1
            for k in 0...steps {
                let t = Double(k) / Double(steps)
                painter.disc(at: a + (b - a) * t, radius: radius, colour: colour, opacity: opacity)
            }
        }
    }

    /// A segment of `length` texels centred somewhere on the face (between the jaw's sides, from
    /// above the brows to the chin), in any direction.
    static func randomSegment(
        landmarks: [SIMD2<Double>], size: Int, length: Double, _ random: inout SeededRandom
    ) -> (SIMD2<Double>, SIMD2<Double>) {
        let s = Double(size)
        let p = landmarks.map { SIMD2($0.x * s, (1 - $0.y) * s) }
        let top = min(p[19].y, p[24].y) - 1.5 * norm(p[19] - p[37])
        let centre = SIMD2(p[1].x + (p[15].x - p[1].x) * random.unit(), top + (p[8].y - top) * random.unit())
        let angle = Double.pi * random.unit()
        let half = SIMD2(cos(angle), sin(angle)) * length / 2
        return (centre - half, centre + half)
    }

    /// A disc whose opacity falls off as a Gaussian (σ = radius / 2) out to its radius.
    static func softDisc(
        _ painter: inout Painter, at centre: SIMD2<Double>, radius: Double, colour: SIMD3<Double>, opacity: Double
    ) {
        let r = Int(radius.rounded(.up))
        for y in (Int(centre.y) - r)...(Int(centre.y) + r) {
            for x in (Int(centre.x) - r)...(Int(centre.x) + r) {
                let d = norm(SIMD2(Double(x) + 0.5, Double(y) + 0.5) - centre)
                guard d < radius else { continue }
                painter.blend(x, y, colour, opacity * exp(-2 * d * d / (radius * radius)))
            }
        }
    }

    /// The painted sRGB albedo in linear RGB, its skin re-toned to `tone` (linear) when given, with
    /// a ±8 % random gain per channel.
    static func linearAlbedo(
        _ image: Image<UInt8>, skin: SIMD3<Double>, tone: SIMD3<Float>?, _ random: inout SeededRandom
    ) -> [SIMD3<Float>] {
        var gain = SIMD3<Float>(
            Float(0.92 + 0.16 * random.unit()), Float(0.92 + 0.16 * random.unit()), Float(0.92 + 0.16 * random.unit()))
        if let tone { gain *= tone / SIMD3<Float>(skin) }
        let table = (0..<256).map { srgbToLinear(Float($0) / 255) }
        return (0..<(image.width * image.height)).map { i in
            let c = image.channels
            return SIMD3(
                table[Int(image.pixels[c * i])], table[Int(image.pixels[c * i + 1])],
                table[Int(image.pixels[c * i + 2])]) * gain
        }
    }

    /// The camera: linear colour at `fineSize` (twice the grid) box-averaged to the grid, blurred
    /// by a Gaussian of σ `blur` texels, noise of `noiseLevels` 8-bit levels (σ), sRGB, 8-bit;
    /// alpha from the facing term of `surface`'s normals.
    static func photograph(
        colour: [SIMD3<Float>], fineSize: Int, surface: SurfaceBuffer, blur: Float, noiseLevels: Float,
        _ random: inout SeededRandom
    ) -> Image<UInt8> {
        let n = surface.size
        var plane = (0..<(n * n)).map { i -> SIMD3<Float> in
            let (x, y) = (2 * (i % n), 2 * (i / n))
            return
                (colour[y * fineSize + x] + colour[y * fineSize + x + 1] + colour[(y + 1) * fineSize + x]
                + colour[(y + 1) * fineSize + x + 1]) / 4
        }
        if blur > 0.05 {
            let r = Int((3 * blur).rounded(.up))
            let kernel = (-r...r).map { expf(-Float($0 * $0) / (2 * blur * blur)) }
            let total = kernel.reduce(0, +)
            for horizontal in [true, false] {
                let source = plane
                for y in 0..<n {
                    for x in 0..<n {
                        var sum = SIMD3<Float>.zero
                        for k in -r...r {
                            let (xx, yy) = horizontal ? (min(max(x + k, 0), n - 1), y) : (x, min(max(y + k, 0), n - 1))
                            sum += kernel[k + r] * source[yy * n + xx]
                        }
                        plane[y * n + x] = sum / total
                    }
                }
            }
        }
        var image = Image<UInt8>(width: n, height: n, channels: 4)
        for i in 0..<(n * n) where surface.covered[i] {
            for c in 0..<3 {
                let v = max(0, min(1, plane[i][c]))
                let e = v <= 0.0031308 ? 12.92 * v : 1.055 * powf(v, 1 / 2.4) - 0.055
                let level = e * 255 + noiseLevels * Float(random.gaussian())
                image.pixels[4 * i + c] = UInt8(max(0, min(255, level.rounded())))
            }
            image.pixels[4 * i + 3] = UInt8((max(0, min(1, surface.normals[i].z)) * 255).rounded())
        }
        return image
    }
}

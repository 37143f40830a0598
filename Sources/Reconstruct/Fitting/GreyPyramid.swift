import Formats
import Foundation

/// The photo as linear-light luminance at a few resolutions, for the dense fit's photometric and
/// contour terms: coarse levels widen the basin of the image-gradient steps (a level-k pixel is
/// 2^k photo pixels), fine ones sharpen the result. Values are linear (sRGB decoded), in [0, 1],
/// so they compare with Lambertian shading.
struct GreyPyramid: Sendable {
    struct Level: Sendable {
        let width: Int
        let height: Int
        /// Photo pixels per level pixel.
        let step: Double
        let values: [Float]
    }

    let levels: [Level]

    /// `count` levels from the full-resolution photo; each coarser level is the previous one
    /// blurred by [1 4 6 4 1]/16 both ways and halved.
    init(rgb: Image<UInt8>, count: Int) {
        precondition(rgb.channels >= 3 && count >= 1)
        let lut = (0..<256).map { srgbToLinear(Float($0) / 255) }
        var values = [Float](repeating: 0, count: rgb.width * rgb.height)
        rgb.pixels.withUnsafeBufferPointer { p in
            for i in values.indices {
                let o = i * rgb.channels
                values[i] = luminance(SIMD3(lut[Int(p[o])], lut[Int(p[o + 1])], lut[Int(p[o + 2])]))
            }
        }
        var levels = [Level(width: rgb.width, height: rgb.height, step: 1, values: values)]
        while levels.count < count, let last = levels.last, last.width >= 8, last.height >= 8 {
            levels.append(Self.reduced(last))
        }
        self.levels = levels
    }

    private static func reduced(_ l: Level) -> Level {
        let kernel: [Float] = [1, 4, 6, 4, 1].map { $0 / 16 }
        func at(_ v: [Float], _ x: Int, _ y: Int) -> Float {
            v[min(max(y, 0), l.height - 1) * l.width + min(max(x, 0), l.width - 1)]
        }
        var rows = [Float](repeating: 0, count: l.width * l.height)
        for y in 0..<l.height {
            for x in 0..<l.width {
                var s: Float = 0
                for k in 0..<5 { s += kernel[k] * at(l.values, x + k - 2, y) }
                rows[y * l.width + x] = s
            }
        }
        let w = l.width / 2
        let h = l.height / 2
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var s: Float = 0
                for k in 0..<5 { s += kernel[k] * at(rows, 2 * x, 2 * y + k - 2) }
                out[y * w + x] = s
            }
        }
        return Level(width: w, height: h, step: l.step * 2, values: out)
    }

    /// Bilinear value at a photo position on level `level`, and its gradient per photo pixel
    /// (central differences one level pixel apart). nil outside the image.
    func sample(_ level: Int, at p: SIMD2<Double>) -> (value: Double, gradient: SIMD2<Double>)? {
        let l = levels[level]
        // Photo pixel centres are at integer + 0.5; a level pixel covers `step` of them.
        let x = (p.x / l.step) - 0.5
        let y = (p.y / l.step) - 0.5
        guard x >= 1, y >= 1, x < Double(l.width - 2), y < Double(l.height - 2) else { return nil }
        func bilinear(_ x: Double, _ y: Double) -> Double {
            let x0 = Int(x)
            let y0 = Int(y)
            let fx = x - Double(x0)
            let fy = y - Double(y0)
            let i = y0 * l.width + x0
            let a = Double(l.values[i])
            let b = Double(l.values[i + 1])
            let c = Double(l.values[i + l.width])
            let d = Double(l.values[i + l.width + 1])
            return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy
        }
        let v = bilinear(x, y)
        let gx = (bilinear(x + 1, y) - bilinear(x - 1, y)) / 2
        let gy = (bilinear(x, y + 1) - bilinear(x, y - 1)) / 2
        return (v, SIMD2(gx, gy) / l.step)
    }
}

import Formats
import Foundation

/// The unwrapped texture as the detail stage reads it: linear-light RGB and a confidence weight
/// per texel of a size × size grid over the face tile.
public struct ShadingSamples: Sendable {
    public let size: Int
    /// Linear RGB in [0, 1] (the sRGB transfer function undone).
    public var colours: [SIMD3<Float>]
    /// 0…1: the unwrap's visibility × facing, zero where the texel is unusable.
    public var weights: [Float]

    public init(size: Int, colours: [SIMD3<Float>], weights: [Float]) {
        precondition(colours.count == size * size && weights.count == size * size)
        self.size = size
        self.colours = colours
        self.weights = weights
    }

    /// Thresholds that drop texels the Lambertian model cannot explain.
    public struct Limits: Sendable {
        /// Below this visibility × facing the texel is grazing: stretched, blurred, and its
        /// normal uncertain (about 72° from the view direction).
        public var minimumFacing: Float = 0.3
        /// Any channel above this (linear) is taken as a specular highlight or clipping.
        public var highlight: Float = 0.92
        /// Luminance below this (linear) is shadow or hair: no shading signal above the noise.
        public var shadow: Float = 0.004
        public init() {}
    }

    /// Reads an RGBA 8-bit unwrap (alpha = visibility × facing, as `TextureUnwrapper` writes it)
    /// averaged down by `factor` (a divisor of its size): colours are alpha-weighted means of
    /// linearised texels, weights the mean alpha, then zeroed where `limits` say so.
    public init(texture: Image<UInt8>, factor: Int, limits: Limits = Limits()) {
        precondition(texture.channels == 4 && texture.width == texture.height && texture.width % factor == 0)
        let n = texture.width / factor
        let linear = (0..<256).map { srgbToLinear(Float($0) / 255) }
        var colours = [SIMD3<Float>](repeating: .zero, count: n * n)
        var weights = [Float](repeating: 0, count: n * n)
        let w = texture.width
        let px = texture.pixels
        for y in 0..<n {
            for x in 0..<n {
                var sum = SIMD3<Float>.zero
                var alpha: Float = 0
                for sy in (y * factor)..<((y + 1) * factor) {
                    for sx in (x * factor)..<((x + 1) * factor) {
                        let o = 4 * (sy * w + sx)
                        let a = Float(px[o + 3]) / 255
                        sum += a * SIMD3(linear[Int(px[o])], linear[Int(px[o + 1])], linear[Int(px[o + 2])])
                        alpha += a
                    }
                }
                let i = y * n + x
                guard alpha > 0 else { continue }
                let c = sum / alpha
                colours[i] = c
                let mean = alpha / Float(factor * factor)
                let usable =
                    mean >= limits.minimumFacing && c.max() <= limits.highlight && luminance(c) >= limits.shadow
                weights[i] = usable ? mean : 0
            }
        }
        self.init(size: n, colours: colours, weights: weights)
    }
}

/// Rec. 709 luminance of linear RGB: the single channel the displacement solve explains.
@inline(__always) func luminance(_ c: SIMD3<Float>) -> Float { 0.2126 * c.x + 0.7152 * c.y + 0.0722 * c.z }

/// The sRGB electro-optical transfer function (IEC 61966-2-1).
func srgbToLinear(_ v: Float) -> Float { v <= 0.04045 ? v / 12.92 : powf((v + 0.055) / 1.055, 2.4) }

/// Normalised box blur of planar values: each output is Σ w·v / Σ w over a square window of
/// radius r, applied three times (the result approximates a Gaussian of σ ≈ √(r(r+1)) texels),
/// O(texels) whatever the radius. Where no weight falls in the window the output is 0.
func weightedBlur(_ values: [Float], weights: [Float], size n: Int, radius r: Int) -> [Float] {
    var num = zip(values, weights).map { $0 * $1 }
    var den = weights
    for _ in 0..<3 {
        boxPass(&num, size: n, radius: r)
        boxPass(&den, size: n, radius: r)
    }
    return zip(num, den).map { $1 > 1e-12 ? $0 / $1 : 0 }
}

/// One separable box filter (sum over the window, zero outside the grid), rows then columns.
private func boxPass(_ plane: inout [Float], size n: Int, radius r: Int) {
    var line = [Float](repeating: 0, count: n)
    for pass in 0..<2 {
        for k in 0..<n {
            let (origin, stride) = pass == 0 ? (k * n, 1) : (k, n)
            for j in 0..<n { line[j] = plane[origin + j * stride] }
            var running: Float = 0
            for j in 0...min(r, n - 1) { running += line[j] }
            for j in 0..<n {
                plane[origin + j * stride] = running
                if j + r + 1 < n { running += line[j + r + 1] }
                if j - r >= 0 { running -= line[j - r] }
            }
        }
    }
}

import Formats
import Foundation

/// How far the unwrapped photo lies from where the true albedo puts the same marks, by local image
/// registration in UV space: both maps resampled to one grid, grey, high-passed (shading removed);
/// at patches whose albedo carries marks (brows, lips, moles, freckles) and whose unwrap is
/// visible, the shift maximising normalised cross-correlation (integer search, parabolic sub-texel
/// refinement), kept where the correlation is convincing. Shifts convert to mm with the face's
/// mean mm per UV unit.
///
/// The face's figure is the median over its patches, and only with at least `minimumPatches`: a
/// face whose unwrap matched on a handful of patches (1–7 of the usual 20–30) gave shifts near
/// the search bound, false matches that a mean over so few let decide the face's score (seen as
/// 8–11 mm faces beside 2–4 mm ones on `bench truth`).
struct TextureRegistration {
    /// Median shift over the kept patches, mm; nil when fewer than `minimumPatches` registered.
    let shiftMillimetres: Double?
    let patches: Int
    /// Patches a face needs for a figure.
    static let minimumPatches = 8

    /// Grid side, patch half-width, search radius and patch spacing, texels of the grid. At 256 a
    /// texel is about 1 mm, near what a 640 × 800 portrait resolves on the face; a patch spans about
    /// 25 mm and the search reaches about ±8 mm.
    static let grid = 256, half = 12, search = 8, spacing = 8
    /// Correlation a match must reach to count; a patch's albedo high-pass must vary by this much (grey levels).
    static let minimumCorrelation = 0.5, minimumContrast = 4.0

    init(albedo: Image<UInt8>, unwrapped: Image<UInt8>, millimetresPerUV: Double) {
        let n = Self.grid
        let (truth, _) = Self.highPassedGrey(albedo, size: n)
        let (photo, visible) = Self.highPassedGrey(unwrapped, size: n)
        let h = Self.half
        let r = Self.search
        var shifts: [Double] = []
        for cy in stride(from: h + r, to: n - h - r, by: Self.spacing) {
            for cx in stride(from: h + r, to: n - h - r, by: Self.spacing) {
                guard Self.allVisible(visible, n, cx, cy, h + r) else { continue }
                let window = Self.patch(truth, n, cx, cy, h)
                guard Self.deviation(window) >= Self.minimumContrast else { continue }
                var scores = [Double](repeating: -1, count: (2 * r + 1) * (2 * r + 1))
                for dy in -r...r {
                    for dx in -r...r {
                        scores[(dy + r) * (2 * r + 1) + dx + r] = Self.correlation(
                            window, Self.patch(photo, n, cx + dx, cy + dy, h))
                    }
                }
                let best = scores.indices.max { scores[$0] < scores[$1] }!
                let (by, bx) = (best / (2 * r + 1), best % (2 * r + 1))
                guard scores[best] >= Self.minimumCorrelation, bx > 0, by > 0, bx < 2 * r, by < 2 * r else { continue }
                func refine(_ a: Double, _ b: Double, _ c: Double) -> Double {
                    let d = a - 2 * b + c
                    return d < 0 ? 0.5 * (a - c) / d : 0
                }
                let w = 2 * r + 1
                let sx = Double(bx - r) + refine(scores[best - 1], scores[best], scores[best + 1])
                let sy = Double(by - r) + refine(scores[best - w], scores[best], scores[best + w])
                shifts.append((sx * sx + sy * sy).squareRoot())
            }
        }
        patches = shifts.count
        shiftMillimetres =
            shifts.count < Self.minimumPatches
            ? nil : shifts.sorted()[shifts.count / 2] / Double(n) * millimetresPerUV
    }

    /// Grey (mean of RGB) resampled to `size`² by bilinear sampling at texel centres, minus its
    /// 9 × 9 box mean; and the visibility (alpha ≥ 128, or everywhere without alpha).
    static func highPassedGrey(_ image: Image<UInt8>, size: Int) -> ([Double], [Bool]) {
        let c = image.channels
        let w = image.width
        let h = image.height
        var grey = [Double](repeating: 0, count: size * size)
        var visible = [Bool](repeating: true, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let sx = min(max((Double(x) + 0.5) * Double(w) / Double(size) - 0.5, 0), Double(w - 1))
                let sy = min(max((Double(y) + 0.5) * Double(h) / Double(size) - 0.5, 0), Double(h - 1))
                let x0 = Int(sx)
                let y0 = Int(sy)
                let x1 = min(x0 + 1, w - 1)
                let y1 = min(y0 + 1, h - 1)
                let fx = sx - Double(x0)
                let fy = sy - Double(y0)
                func value(_ px: Int, _ py: Int) -> Double {
                    let o = (py * w + px) * c
                    return c >= 3
                        ? (Double(image.pixels[o]) + Double(image.pixels[o + 1]) + Double(image.pixels[o + 2])) / 3
                        : Double(image.pixels[o])
                }
                let top = value(x0, y0) * (1 - fx) + value(x1, y0) * fx
                let bottom = value(x0, y1) * (1 - fx) + value(x1, y1) * fx
                grey[y * size + x] = top * (1 - fy) + bottom * fy
                if c == 4 {
                    visible[y * size + x] = image.pixels[(Int(sy.rounded()) * w + Int(sx.rounded())) * c + 3] >= 128
                }
            }
        }
        // Box mean by a summed-area table.
        var table = [Double](repeating: 0, count: (size + 1) * (size + 1))
        for y in 0..<size {
            var row = 0.0
            for x in 0..<size {
                row += grey[y * size + x]
                table[(y + 1) * (size + 1) + x + 1] = table[y * (size + 1) + x + 1] + row
            }
        }
        var out = grey
        for y in 0..<size {
            for x in 0..<size {
                let x0 = max(0, x - 4)
                let x1 = min(size, x + 5)
                let y0 = max(0, y - 4)
                let y1 = min(size, y + 5)
                let sum =
                    table[y1 * (size + 1) + x1] - table[y0 * (size + 1) + x1] - table[y1 * (size + 1) + x0]
                    + table[y0 * (size + 1) + x0]
                out[y * size + x] = grey[y * size + x] - sum / Double((x1 - x0) * (y1 - y0))
            }
        }
        return (out, visible)
    }

    static func allVisible(_ visible: [Bool], _ n: Int, _ cx: Int, _ cy: Int, _ reach: Int) -> Bool {
        for y in (cy - reach)...(cy + reach) {
            for x in (cx - reach)...(cx + reach) where !visible[y * n + x] { return false }
        }
        return true
    }

    static func patch(_ values: [Double], _ n: Int, _ cx: Int, _ cy: Int, _ h: Int) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity((2 * h + 1) * (2 * h + 1))
        for y in (cy - h)...(cy + h) { for x in (cx - h)...(cx + h) { out.append(values[y * n + x]) } }
        return out
    }

    static func deviation(_ v: [Double]) -> Double {
        let m = v.reduce(0, +) / Double(v.count)
        return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double { pearsonCorrelation(a, b) }
}

/// Pearson's correlation of two equally long series (−1 when either is constant): the benches'
/// agreement of fitted with true values.
public func pearsonCorrelation(_ a: [Double], _ b: [Double]) -> Double {
    let ma = a.reduce(0, +) / Double(a.count)
    let mb = b.reduce(0, +) / Double(b.count)
    var ab = 0.0
    var aa = 0.0
    var bb = 0.0
    for k in a.indices {
        let p = a[k] - ma
        let q = b[k] - mb
        ab += p * q
        aa += p * p
        bb += q * q
    }
    return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : -1
}

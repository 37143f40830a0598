import Formats
import Foundation

/// How the detail stage's displacement compares with the truth's, where the photo shows the face:
/// both maps resampled to one grid and high-passed (the fine relief, not the proxy's offset),
/// then their correlation, the amplitude ratio (RMS of the detail over RMS of the truth), and the
/// false relief on confounders (RMS of the detail on brow, lip, mole and freckle texels over its
/// RMS on plain skin: above 1, marks are read as relief).
struct DetailComparison {
    let correlation: Double
    let amplitudeRatio: Double
    let confounderRatio: Double
    /// RMS of the detail on marks where the truth is flat (|true| < 0.05 mm) over the truth's
    /// RMS on its wrinkles (|true| ≥ 0.1 mm): `bench detail`'s false relief.
    let falseRelief: Double
    /// RMS of (true − detail) over RMS of true, high-passed: below 1 the displacement brings the
    /// surface's fine relief closer to the truth than the proxy alone (which has none).
    let residualRatio: Double

    static let grid = 256

    init?(detail: Image<Float>, truth: Image<Float>, confounders: [Bool], visibility: Image<UInt8>) {
        let n = Self.grid
        let truthSize = truth.width
        let d = Self.highPassed(Self.resampled(detail, to: n))
        let t = Self.highPassed(Self.resampled(truth, to: n))
        let raw = Self.resampled(truth, to: n)
        var marks = [Bool](repeating: false, count: n * n)
        var seen = [Bool](repeating: false, count: n * n)
        for y in 0..<n {
            for x in 0..<n {
                let tx = x * truthSize / n
                let ty = y * truthSize / n
                marks[y * n + x] = confounders[ty * truthSize + tx]
                let vx = x * visibility.width / n
                let vy = y * visibility.height / n
                seen[y * n + x] =
                    visibility.pixels[(vy * visibility.width + vx) * visibility.channels + visibility.channels - 1]
                    >= 128
            }
        }
        let texels = (0..<(n * n)).filter { seen[$0] }
        guard texels.count > 100 else { return nil }
        func rms(_ v: [Double], _ ks: [Int]) -> Double {
            (ks.map { v[$0] * v[$0] }.reduce(0, +) / Double(max(ks.count, 1))).squareRoot()
        }
        let md = texels.map { d[$0] }.reduce(0, +) / Double(texels.count)
        let mt = texels.map { t[$0] }.reduce(0, +) / Double(texels.count)
        var cov = 0.0
        var vd = 0.0
        var vt = 0.0
        for k in texels {
            cov += (d[k] - md) * (t[k] - mt)
            vd += (d[k] - md) * (d[k] - md)
            vt += (t[k] - mt) * (t[k] - mt)
        }
        correlation = vd > 0 && vt > 0 ? cov / (vd * vt).squareRoot() : 0
        amplitudeRatio = rms(d, texels) / max(rms(t, texels), 1e-9)
        let onMarks = texels.filter { marks[$0] }
        let onSkin = texels.filter { !marks[$0] }
        confounderRatio = onMarks.isEmpty ? 0 : rms(d, onMarks) / max(rms(d, onSkin), 1e-9)
        let flatMarks = onMarks.filter { abs(raw[$0]) < 0.05 }
        let wrinkles = texels.filter { abs(raw[$0]) >= 0.1 }
        falseRelief = flatMarks.isEmpty || wrinkles.isEmpty ? 0 : rms(d, flatMarks) / max(rms(t, wrinkles), 1e-9)
        residualRatio = rms(zip(t, d).map { $0 - $1 }, texels) / max(rms(t, texels), 1e-9)
    }

    /// Box-averaged down to `n`² (the maps are square and at least `n` on a side).
    static func resampled(_ image: Image<Float>, to n: Int) -> [Double] {
        let f = max(1, image.width / n)
        var out = [Double](repeating: 0, count: n * n)
        for y in 0..<n {
            for x in 0..<n {
                var sum = 0.0
                for dy in 0..<f {
                    for dx in 0..<f { sum += Double(image.pixels[(y * f + dy) * image.width + x * f + dx]) }
                }
                out[y * n + x] = sum / Double(f * f)
            }
        }
        return out
    }

    /// Minus the 9 × 9 box mean: the relief finer than about 9 mm.
    static func highPassed(_ v: [Double]) -> [Double] {
        let n = Int(Double(v.count).squareRoot())
        var out = v
        for y in 0..<n {
            for x in 0..<n {
                var sum = 0.0
                var count = 0.0
                for yy in max(0, y - 4)...min(n - 1, y + 4) {
                    for xx in max(0, x - 4)...min(n - 1, x + 4) {
                        sum += v[yy * n + xx]
                        count += 1
                    }
                }
                out[y * n + x] = v[y * n + x] - sum / count
            }
        }
        return out
    }
}

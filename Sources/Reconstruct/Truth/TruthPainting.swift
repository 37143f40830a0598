import Formats
import Foundation

/// Paints an sRGB albedo in texel coordinates (x right, y down) and remembers which texels it
/// painted over the base tone.
struct Painter {
    let size: Int
    private var colour: [SIMD3<Double>]
    private(set) var painted: [Bool]

    init(size: Int, base: SIMD3<Double>) {
        self.size = size
        colour = Array(repeating: base, count: size * size)
        painted = Array(repeating: false, count: size * size)
    }

    /// Starts from an sRGB image (3 or more channels), nothing painted yet.
    init(image: Image<UInt8>) {
        size = image.width
        let c = image.channels
        colour = (0..<(image.width * image.height)).map { i in
            SIMD3(Double(image.pixels[c * i]), Double(image.pixels[c * i + 1]), Double(image.pixels[c * i + 2]))
        }
        painted = Array(repeating: false, count: colour.count)
    }

    var image: Image<UInt8> {
        var out = Image<UInt8>(width: size, height: size, channels: 3)
        for i in colour.indices {
            for c in 0..<3 { out.pixels[3 * i + c] = UInt8(min(max(colour[i][c], 0), 255).rounded()) }
        }
        return out
    }

    /// Low-frequency tone variation: ±`amplitude` relative, on a 16-texel-per-cell value noise.
    mutating func mottle(_ random: inout SeededRandom, amplitude: Double) {
        let cells = max(2, size / 64) + 1
        let grid = (0..<(cells * cells)).map { _ in 1 + amplitude * (2 * random.unit() - 1) }
        let step = Double(size) / Double(cells - 1)
        for y in 0..<size {
            for x in 0..<size {
                let gx = Double(x) / step
                let gy = Double(y) / step
                let x0 = min(Int(gx), cells - 2)
                let y0 = min(Int(gy), cells - 2)
                let fx = gx - Double(x0)
                let fy = gy - Double(y0)
                let top = grid[y0 * cells + x0] * (1 - fx) + grid[y0 * cells + x0 + 1] * fx
                let bottom = grid[(y0 + 1) * cells + x0] * (1 - fx) + grid[(y0 + 1) * cells + x0 + 1] * fx
                colour[y * size + x] *= top * (1 - fy) + bottom * fy
            }
        }
    }

    mutating func blend(_ x: Int, _ y: Int, _ c: SIMD3<Double>, _ opacity: Double) {
        guard x >= 0, y >= 0, x < size, y < size else { return }
        let i = y * size + x
        colour[i] = colour[i] * (1 - opacity) + c * opacity
        painted[i] = true
    }

    mutating func disc(at p: SIMD2<Double>, radius: Double, colour c: SIMD3<Double>, opacity: Double) {
        let r = Int(radius.rounded(.up)) + 1
        for y in (Int(p.y) - r)...(Int(p.y) + r) {
            for x in (Int(p.x) - r)...(Int(p.x) + r) {
                let d = norm(SIMD2(Double(x) + 0.5, Double(y) + 0.5) - p)
                let edge = min(max(radius + 0.5 - d, 0), 1)
                if edge > 0 { blend(x, y, c, opacity * edge) }
            }
        }
    }

    /// Fills a closed polygon (texel coordinates) by the even-odd rule.
    mutating func fillPolygon(_ corners: [SIMD2<Double>], colour c: SIMD3<Double>) {
        let ys = corners.map(\.y)
        let xs = corners.map(\.x)
        for y in max(0, Int(ys.min()!))...min(size - 1, Int(ys.max()!)) {
            for x in max(0, Int(xs.min()!))...min(size - 1, Int(xs.max()!)) {
                let p = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
                var inside = false
                for k in corners.indices {
                    let a = corners[k]
                    let b = corners[(k + 1) % corners.count]
                    if (a.y > p.y) != (b.y > p.y), p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
                        inside.toggle()
                    }
                }
                if inside { blend(x, y, c, 0.85) }
            }
        }
    }

    /// Short dark strokes scattered in a band of `width` texels along a polyline: an eyebrow.
    /// Lips (the outer lip polygon, landmarks 48–59, darker and redder than `tone`) and brows as
    /// `strokes` hair strokes of `hair` along each brow's landmarks (17–21, 22–26); `landmarks` in
    /// texels.
    mutating func lipsAndBrows(
        landmarks point: [SIMD2<Double>], tone: SIMD3<Double>, hair: SIMD3<Double>, strokes: Int,
        _ random: inout SeededRandom
    ) {
        fillPolygon(Array(point[48...59]), colour: tone * SIMD3(0.86, 0.62, 0.64))
        let browWidth = 0.4 * norm(point[19] - point[37])
        for brow in [Array(point[17...21]), Array(point[22...26])] {
            hairStrokes(along: brow, width: browWidth, colour: hair, count: strokes, &random)
        }
    }

    mutating func hairStrokes(
        along line: [SIMD2<Double>], width: Double, colour c: SIMD3<Double>, count: Int,
        _ random: inout SeededRandom
    ) {
        for _ in 0..<count {
            let t = random.unit() * Double(line.count - 1)
            let k = min(Int(t), line.count - 2)
            let f = t - Double(k)
            let centre = line[k] * (1 - f) + line[k + 1] * f
            let along = line[k + 1] - line[k]
            let across = SIMD2(-along.y, along.x) / max(norm(along), 1e-9)
            // Thinner toward the tail of the brow.
            let band = width * (1 - 0.5 * t / Double(line.count - 1))
            let start = centre + across * band * (random.unit() - 0.5)
            let direction = (along / max(norm(along), 1e-9) * 0.8 + across * 0.5 * (random.unit() - 0.3))
            let length = 0.5 * width
            for step in 0...Int(length) {
                let p = start + direction * Double(step)
                blend(Int(p.x), Int(p.y), c, 0.75)
            }
        }
    }
}

/// Paints a displacement map in mm in texel coordinates.
struct Relief {
    let size: Int
    private(set) var map: Image<Float>

    init(size: Int) {
        self.size = size
        map = Image<Float>(width: size, height: size, channels: 1)
    }

    /// A groove along a polyline: −depth·exp(−s²/2σ²) at distance s (texels), tapering to zero over
    /// the last fifth of the line at each end.
    mutating func groove(through line: [SIMD2<Double>], depth: Double, sigma: Double) {
        let reach = 3 * sigma
        let xs = line.map(\.x)
        let ys = line.map(\.y)
        let x0 = max(0, Int(xs.min()! - reach))
        let x1 = min(size - 1, Int(xs.max()! + reach))
        let y0 = max(0, Int(ys.min()! - reach))
        let y1 = min(size - 1, Int(ys.max()! + reach))
        guard x0 <= x1, y0 <= y1 else { return }
        let lengths = zip(line, line.dropFirst()).map { norm($1 - $0) }
        let total = max(lengths.reduce(0, +), 1e-9)
        for y in y0...y1 {
            for x in x0...x1 {
                let p = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
                var best = Double.infinity
                var at = 0.0
                var walked = 0.0
                for k in lengths.indices {
                    let a = line[k]
                    let b = line[k + 1]
                    let ab = b - a
                    let t = min(max(((p - a) * ab).sum() / max((ab * ab).sum(), 1e-12), 0), 1)
                    let d = norm(p - (a + ab * t))
                    if d < best { (best, at) = (d, (walked + t * lengths[k]) / total) }
                    walked += lengths[k]
                }
                guard best < reach else { continue }
                let taper = min(min(at, 1 - at) / 0.2, 1)
                map.pixels[y * size + x] -= Float(depth * taper * exp(-best * best / (2 * sigma * sigma)))
            }
        }
    }

    /// Band-limited noise: white noise smoothed twice by a 3 × 3 box, scaled to ±`amplitude` mm.
    mutating func pores(_ random: inout SeededRandom, amplitude: Double) {
        var noise = (0..<(size * size)).map { _ in Float(2 * random.unit() - 1) }
        for _ in 0..<2 {
            var smooth = noise
            for y in 1..<(size - 1) {
                for x in 1..<(size - 1) {
                    var sum: Float = 0
                    for dy in -1...1 { for dx in -1...1 { sum += noise[(y + dy) * size + x + dx] } }
                    smooth[y * size + x] = sum / 9
                }
            }
            noise = smooth
        }
        let peak = noise.map(abs).max() ?? 1
        for i in noise.indices { map.pixels[i] += Float(amplitude) * noise[i] / max(peak, 1e-6) }
    }
}

func norm(_ v: SIMD2<Double>) -> Double { (v * v).sum().squareRoot() }

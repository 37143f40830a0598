import Formats
import Foundation
import Reconstruct

/// The training log as a PNG: each loss's running mean over 25 steps against the step, on a log
/// scale from its smallest to its largest value; geometry (mm) in blue, photometric in orange,
/// the generator's adversarial loss in grey. Light grid lines mark each power of ten.
enum LossPlot {
    static func image(_ log: [DetailTrainingRecord], width: Int = 800, height: Int = 400) -> Image<UInt8> {
        var image = Image<UInt8>(width: width, height: height, channels: 3)
        for i in image.pixels.indices { image.pixels[i] = 255 }
        let series: [([(Int, Double)], SIMD3<UInt8>)] = [
            (log.compactMap { r in r.geometry.map { (r.step, $0) } }, SIMD3(31, 119, 180)),
            (log.compactMap { r in r.photometric.map { (r.step, $0) } }, SIMD3(255, 127, 14)),
            (log.compactMap { r in r.adversarial.map { (r.step, $0) } }, SIMD3(150, 150, 150)),
        ]
        let smoothed = series.map { (points, colour) in (runningMean(points, window: 25), colour) }
        let values = smoothed.flatMap { $0.0.map(\.1) }.filter { $0 > 0 }
        guard let low = values.min(), let high = values.max(), let last = log.last?.step, last > 0 else { return image }
        let (a, b) = (log10(low) - 0.05, log10(max(high, low * 1.01)) + 0.05)
        func pixel(_ step: Int, _ value: Double) -> (Int, Int) {
            let x = Int(Double(step) / Double(last) * Double(width - 1))
            let y = Int((1 - (log10(max(value, low)) - a) / (b - a)) * Double(height - 1))
            return (x, min(max(y, 0), height - 1))
        }
        for decade in Int(a.rounded(.up))...Int(b.rounded(.down)) {
            let y = pixel(0, pow(10, Double(decade))).1
            for x in 0..<width { set(&image, x, y, SIMD3(220, 220, 220)) }
        }
        for (points, colour) in smoothed {
            var previous: (Int, Int)?
            for (step, value) in points {
                let p = pixel(step, value)
                if let q = previous {
                    let n = max(abs(p.0 - q.0), abs(p.1 - q.1), 1)
                    for k in 0...n {
                        set(&image, q.0 + (p.0 - q.0) * k / n, q.1 + (p.1 - q.1) * k / n, colour)
                    }
                }
                previous = p
            }
        }
        return image
    }

    static func runningMean(_ points: [(Int, Double)], window: Int) -> [(Int, Double)] {
        var out: [(Int, Double)] = []
        var sum = 0.0
        for (k, point) in points.enumerated() {
            sum += point.1
            if k >= window { sum -= points[k - window].1 }
            if k % 5 == 0 || k == points.count - 1 { out.append((point.0, sum / Double(min(k + 1, window)))) }
        }
        return out
    }

    static func set(_ image: inout Image<UInt8>, _ x: Int, _ y: Int, _ colour: SIMD3<UInt8>) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let o = 3 * (y * image.width + x)
        image.pixels[o] = colour.x
        image.pixels[o + 1] = colour.y
        image.pixels[o + 2] = colour.z
    }
}

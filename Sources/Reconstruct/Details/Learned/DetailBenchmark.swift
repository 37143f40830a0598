import Formats
import Foundation

/// `facedetail bench detail`: detail synthesizers scored against known relief on held-out
/// synthetic faces (`SyntheticDetailPair`, seeds 2⁴⁰ + k: no training run draws those; training
/// pairs have seeds below 2⁴⁰ for any run seed under 2²⁰).
///
/// On the texels the photo saw (covered, alpha ≥ 0.5), both maps high-passed (minus a weighted
/// blur of σ ≈ 3.5 texels ≈ 3.5 mm over the covered tile: the fine relief, not an offset):
/// - `correlation`: Pearson correlation of predicted with true, pooled over all faces;
/// - `slope`: least-squares amplitude, cov(predicted, true) / var(true) (1: the right depth);
/// - `falseRelief`: RMS of the prediction on confounder marks where the truth is flat (|true| <
///   0.05 mm) over the RMS of the truth on its wrinkles (|true| ≥ 0.1 mm).
public enum DetailBenchmark {
    public static let firstSeed: UInt64 = 1 << 40

    public struct Score: Codable, Sendable {
        public var synthesizer: String
        public var correlation = 0.0
        public var slope = 0.0
        public var falseRelief = 0.0
        /// Per face: correlation, and wall-clock seconds of `synthesize` on the 256² texture.
        public var faceCorrelations: [Double] = []
        public var seconds: [Double] = []
    }

    /// Scores each synthesizer on `faces` held-out pairs; `progress(done, total)` after each face.
    public static func run(
        _ synthesizers: [any DetailSynthesizer], generator: SyntheticDetailPair.Generator, faces: Int,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> [Score] {
        var sums = synthesizers.map { _ in Sums() }
        var scores = synthesizers.map { Score(synthesizer: $0.id) }
        let clock = ContinuousClock()
        for k in 0..<faces {
            let pair = generator.pair(seed: firstSeed + UInt64(k))
            let n = pair.size
            let covered = pair.surface.covered.map { $0 ? Float(1) : 0 }
            let truth = highPassed(pair.displacement, covered: covered, size: n)
            let seen = (0..<(n * n)).filter { pair.surface.covered[$0] && pair.texture.pixels[4 * $0 + 3] >= 128 }
            for (s, synthesizer) in synthesizers.enumerated() {
                let start = clock.now
                let result = try synthesizer.synthesize(
                    DetailInput(texture: pair.texture, proxy: pair.mesh, rotation: pair.rotation, workingSize: n))
                scores[s].seconds.append((clock.now - start).seconds)
                let predicted = highPassed(result.displacement.values.pixels, covered: covered, size: n)
                var face = Sums()
                for i in seen {
                    let (p, t) = (Double(predicted[i]), Double(truth[i]))
                    face.add(p, t)
                    sums[s].add(p, t)
                    let raw = abs(pair.displacement[i])
                    if pair.confounders[i] && raw < 0.05 { sums[s].addMark(p) }
                    if raw >= 0.1 { sums[s].addWrinkle(t) }
                }
                scores[s].faceCorrelations.append(face.correlation)
            }
            progress(k + 1, faces)
        }
        for s in scores.indices {
            scores[s].correlation = sums[s].correlation
            scores[s].slope = sums[s].slope
            scores[s].falseRelief = sums[s].falseRelief
        }
        return scores
    }

    /// The map minus its weighted blur (σ ≈ 3.5 texels) over the covered texels.
    static func highPassed(_ d: [Float], covered: [Float], size n: Int) -> [Float] {
        let slow = weightedBlur(d, weights: covered, size: n, radius: 3)
        return (0..<(n * n)).map { covered[$0] > 0 ? d[$0] - slow[$0] : 0 }
    }

    /// Running sums for correlation, slope and false relief.
    struct Sums {
        var count = 0.0, p = 0.0, t = 0.0, pp = 0.0, tt = 0.0, pt = 0.0
        var marks = 0.0, markCount = 0.0, wrinkles = 0.0, wrinkleCount = 0.0

        mutating func add(_ a: Double, _ b: Double) {
            count += 1
            p += a
            t += b
            pp += a * a
            tt += b * b
            pt += a * b
        }
        mutating func addMark(_ a: Double) {
            marks += a * a
            markCount += 1
        }
        mutating func addWrinkle(_ b: Double) {
            wrinkles += b * b
            wrinkleCount += 1
        }
        var covariance: Double { pt / count - (p / count) * (t / count) }
        var correlation: Double {
            let vp = pp / count - (p / count) * (p / count)
            let vt = tt / count - (t / count) * (t / count)
            return vp > 0 && vt > 0 ? covariance / (vp * vt).squareRoot() : 0
        }
        var slope: Double {
            let vt = tt / count - (t / count) * (t / count)
            return vt > 0 ? covariance / vt : 0
        }
        var falseRelief: Double {
            guard markCount > 0, wrinkleCount > 0, wrinkles > 0 else { return 0 }
            return (marks / markCount).squareRoot() / (wrinkles / wrinkleCount).squareRoot()
        }
    }
}

import Foundation
import Neural

/// The amplitude the network's L1 training leaves it: regression to the median shrinks relief it
/// is unsure of, so its predictions come out shallower than the truth (in development runs the
/// least-squares slope of prediction on truth was 0.2–0.3 after 1,000 steps). The calibration
/// measures that slope on training pairs — never the held-out ones — and divides it out of the
/// output's scale (`Configuration.outputScale`, mm per tanh unit), so that depths come out in
/// true millimetres on average. Correlation is unchanged; false relief grows by the same gain.
extension DetailNet {
    /// The slope cov(p, t) / var(t) of prediction p on truth t over the seen texels of `examples`,
    /// both high-passed as `bench detail` does.
    mutating func amplitudeSlope(_ examples: [TrainingExample]) throws -> Double {
        generator.training = false
        let n = configuration.grid
        let channels = configuration.inputChannels
        var sums = DetailBenchmark.Sums()
        for e in examples {
            let p = try predict(Tensor(shape: [1, channels, n, n], values: e.planes)).values
            let covered = e.mask
            let hp = DetailBenchmark.highPassed(p, covered: covered, size: n)
            let ht = DetailBenchmark.highPassed(e.target, covered: covered, size: n)
            for i in 0..<(n * n) where e.mask[i] > 0 && e.planes[n * n + i] >= 0.5 {
                sums.add(Double(hp[i]), Double(ht[i]))
            }
        }
        return sums.slope
    }

    /// Divides the measured slope out of the output scale (the gain kept within 1–4: never
    /// shrinking, never amplifying noise more than four-fold). Returns the gain applied.
    mutating func calibrateAmplitude(on examples: [TrainingExample]) throws -> Float {
        let slope = try amplitudeSlope(examples)
        let gain = Float(min(max(1 / max(slope, 1e-6), 1), 4))
        configuration.outputScale *= gain
        return gain
    }
}

extension DetailTrainer {
    /// The trained network with its amplitude calibrated on the first `count` training pairs
    /// (`DetailNet.calibrateAmplitude`), and the gain applied; the trainer's own network is left
    /// as it is (training goes on at the scale it learned).
    public func calibratedNet(count: Int = 200) throws -> (net: DetailNet, gain: Float) {
        var copy = net
        let gain = try copy.calibrateAmplitude(on: Array(examples.prefix(count)))
        return (copy, gain)
    }
}

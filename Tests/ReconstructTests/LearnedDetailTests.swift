import Foundation
import Testing

@testable import Formats
@testable import Neural
@testable import Reconstruct

/// The detail network's data and losses: synthetic pairs, SH light rotation, the photometric
/// loss's gradient, and training at toy size.
@Suite struct LearnedDetailTests {
    /// The same seed gives the same pair, bit for bit; another seed another face. The relief is
    /// millimetre-scale (wrinkles 0.05–1 mm) and the texture shows the surface where it faces us.
    @Test func syntheticPairsAreDeterministicAndPlausible() throws {
        let generator = SyntheticDetailPair.Generator(model: try loadModel("face"), size: 128)
        let a = generator.pair(seed: 7)
        let b = generator.pair(seed: 7)
        let c = generator.pair(seed: 8)
        #expect(a.texture == b.texture && a.displacement == b.displacement && a.confounders == b.confounders)
        #expect(a.texture != c.texture && a.displacement != c.displacement)
        let deepest = a.displacement.map(abs).max()!
        #expect(deepest > 0.05 && deepest < 1.5, "deepest relief \(deepest) mm")
        let seen = (0..<(128 * 128)).filter { a.texture.pixels[4 * $0 + 3] > 128 }.count
        #expect(seen > 128 * 128 / 4)
        #expect(a.confounders.contains(true))
    }

    /// Turning a light by R and back by Rᵀ gives it back; the turned light shades R·n as the
    /// original shades n.
    @Test func turnedLightsShadeTurnedNormals() {
        let light = SyntheticLights.directional(
            direction: SIMD3(0.4, 0.5, 0.77), ambient: 0.3, tint: SIMD3(1, 0.9, 0.8), exposure: 0.7)
        let r = ScaledOrthographicCamera(yaw: 25, pitch: -10, roll: 15, scale: 1, translation: .zero).rotation
        let transposed = (0..<3).map { i in SIMD3(r[0][i], r[1][i], r[2][i]) }
        let turned = SyntheticLights.rotated(light, by: r)
        let back = SyntheticLights.rotated(turned, by: transposed)
        for k in 0..<9 { #expect(largestDifference(back.coefficients[k], light.coefficients[k]) < 1e-4) }
        let n = normalized(SIMD3<Float>(0.2, -0.3, 0.93))
        let rn = SIMD3<Float>(
            Float((r[0] * SIMD3<Double>(n)).sum()), Float((r[1] * SIMD3<Double>(n)).sum()),
            Float((r[2] * SIMD3<Double>(n)).sum()))
        #expect(largestDifference(turned.shading(rn), light.shading(n)) < 1e-4)
        #expect(abs(luminance(light.shading(SIMD3(0, 0, 1))) - 0.7) < 1e-3)
    }

    /// The photometric loss's gradient against central finite differences on a real proxy's
    /// surface (random relief, a rendered target from other relief, a known light): within 2 %
    /// of the largest component, on a window inside the tile.
    @Test func photometricGradientMatchesFiniteDifferences() throws {
        let generator = SyntheticDetailPair.Generator(model: try loadModel("face"), size: 64)
        let pair = generator.pair(seed: 3)
        let n = 64
        let light = SyntheticLights.directional(
            direction: SIMD3(0.5, 0.4, 0.77), ambient: 0.2, tint: SIMD3(1, 1, 1), exposure: 0.7)
        let albedo = [SIMD3<Float>](repeating: SIMD3(0.6, 0.45, 0.4), count: n * n)
        let appearance = AppearanceEstimate(lighting: light, albedo: albedo)
        var random = SeededRandom(seed: 11)
        let target = (0..<(n * n)).map { _ in Float(random.unit() - 0.5) * 0.4 }
        let colours = (0..<(n * n)).map { i in
            pair.surface.covered[i] ? appearance.rendered(i, normal: pair.surface.displacedNormal(i, target)) : .zero
        }
        let loss = PhotometricDetailLoss(
            surface: pair.surface, appearance: appearance, colours: colours,
            weights: [Float](repeating: 1, count: n * n))
        let side = 16
        let (x0, y0) = (24, 24)
        let d = (0..<(side * side)).map { _ in Float(random.unit() - 0.5) * 0.4 }
        let (_, gradient) = loss.evaluate(d, side: side, x0: x0, y0: y0)
        let largest = gradient.map(abs).max()!
        #expect(largest > 0)
        var worst: Float = 0
        for k in stride(from: 0, to: side * side, by: 7) {
            var plus = d
            var minus = d
            let h: Float = 1e-3
            plus[k] += h
            minus[k] -= h
            let numeric = Float(
                (loss.evaluate(plus, side: side, x0: x0, y0: y0).loss
                    - loss.evaluate(minus, side: side, x0: x0, y0: y0).loss)
                    / Double(2 * h))
            worst = max(worst, abs(numeric - gradient[k]))
        }
        print("photometric gradient: worst |numeric − analytic| \(worst), largest component \(largest)")
        #expect(worst <= 0.02 * largest)
    }
}

func largestDifference(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
    max(abs(a.x - b.x), abs(a.y - b.y), abs(a.z - b.z))
}

/// `facedetail train detail`'s loop at toy size (64² pairs, 32² crops, ngf 8, 300 steps):
/// - from PyTorch's default initialisation the supervised loss falls at least five-fold;
/// - from the project's (last layer at 1 %, so the loss starts near the zero map's) the trained
///   network's displacement correlates with the truth of its pairs (≥ 0.15; measured 0.25), which the zero map
///   cannot;
/// - a run stopped at a checkpoint and resumed repeats the uninterrupted run's losses bit for bit.
@Suite struct DetailTrainingTests {
    static func toyOptions(outputInitScale: Float? = nil) -> DetailTrainingOptions {
        var options = DetailTrainingOptions()
        options.seed = 3
        options.steps = 300
        options.batch = 4
        options.crop = 32
        options.pairs = 8
        options.decaySteps = 50
        options.geometrySteps = 300
        options.learningRate = 1e-3
        options.network.grid = 64
        options.network.downs = 5
        options.network.filters = 8
        options.network.outputInitScale = outputInitScale
        options.discriminatorFilters = 8
        return options
    }

    @Test func toyTrainingCutsTheLossFromDefaultInitialisation() throws {
        let options = Self.toyOptions(outputInitScale: 1)
        let generator = SyntheticDetailPair.Generator(model: try loadModel("face"), size: 64)
        var trainer = DetailTrainer(options: options, generator: generator, real: [])
        while trainer.step < options.steps { _ = try trainer.trainStep() }
        let losses = trainer.log.map { $0.geometry! }
        let start = losses.prefix(5).reduce(0, +) / 5
        let end = losses.suffix(20).reduce(0, +) / 20
        print("toy detail training, default initialisation: geometry L1 \(start) → \(end) mm in \(options.steps) steps")
        #expect(end * 5 <= start)
    }

    @Test func toyTrainingLearnsTheReliefAndResumesExactly() throws {
        let options = Self.toyOptions()
        let generator = SyntheticDetailPair.Generator(model: try loadModel("face"), size: 64)
        var trainer = DetailTrainer(options: options, generator: generator, real: [])
        var checkpoint: WeightsFile?
        while trainer.step < options.steps {
            _ = try trainer.trainStep()
            if trainer.step == 100 { checkpoint = trainer.checkpoint }
        }
        var net = try DetailNet(file: trainer.net.weightsFile(), path: "toy")
        var predicted: [Double] = []
        var truth: [Double] = []
        for k in 0..<options.pairs {
            let pair = generator.pair(seed: options.seed << 20 + UInt64(k))
            let planes = DetailNetInput.planes(texture: pair.texture, surface: pair.surface)
            let out = try net.predict(Tensor(shape: [1, DetailNetInput.planeCount, 64, 64], values: planes)).values
            for i in 0..<(64 * 64) where pair.surface.covered[i] && planes[64 * 64 + i] > 0.5 {
                predicted.append(Double(out[i]))
                truth.append(Double(pair.displacement[i]))
            }
        }
        let correlation = pearson(predicted, truth)
        let l1 = trainer.log.map { $0.geometry! }
        print(
            "toy detail training: geometry L1 \(l1[0]) → \(l1.suffix(20).reduce(0, +) / 20) mm, correlation with the truth \(correlation)"
        )
        #expect(correlation >= 0.15)

        var resumed = DetailTrainer(options: options, generator: generator, real: [])
        try resumed.resume(from: try WeightsFile(bytes: checkpoint!.encoded()), path: "checkpoint")
        #expect(resumed.step == 100)
        while resumed.step < 160 { _ = try resumed.trainStep() }
        #expect(resumed.log.map(\.geometry) == Array(trainer.log.prefix(160)).map(\.geometry))
        #expect(resumed.log.map(\.adversarial) == Array(trainer.log.prefix(160)).map(\.adversarial))
    }
}

func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let n = Double(a.count)
    let ma = a.reduce(0, +) / n
    let mb = b.reduce(0, +) / n
    var c = 0.0
    var va = 0.0
    var vb = 0.0
    for k in a.indices {
        c += (a[k] - ma) * (b[k] - mb)
        va += (a[k] - ma) * (a[k] - ma)
        vb += (b[k] - mb) * (b[k] - mb)
    }
    return c / (va * vb).squareRoot()
}

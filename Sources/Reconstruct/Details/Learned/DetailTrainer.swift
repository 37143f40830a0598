import Foundation
import Neural

/// Trains the detail network (docs/details.md): pix2pix's generator and PatchGAN on synthetic
/// pairs with LSGAN + λ·L1 geometry, then alternating with unsupervised batches of real photos
/// under the photometric loss (λ·η·photometric). Deterministic for a seed: every step draws its
/// crops from a generator seeded by (seed, step), so a run resumed from a checkpoint continues
/// exactly as an uninterrupted one.
public struct DetailTrainer {
    public let options: DetailTrainingOptions
    public internal(set) var net: DetailNet
    var discriminator: Named
    var adamG: Adam
    var adamD: Adam
    public internal(set) var step = 0
    public internal(set) var log: [DetailTrainingRecord] = []
    let examples: [TrainingExample]
    public let real: [RealDetailExample]

    /// Generates `options.pairs` synthetic pairs (both cores, deterministic by index), reporting
    /// (done, total) through `progress`.
    public init(
        options: DetailTrainingOptions, generator: SyntheticDetailPair.Generator, real: [RealDetailExample],
        progress: (Int, Int) -> Void = { _, _ in }
    ) {
        precondition(generator.size == options.network.grid, "pairs must be on the network's grid")
        self.options = options
        self.real = real
        net = DetailNet(configuration: options.network, seed: options.seed &* 31 &+ 1)
        discriminator = Pix2Pix.patchGAN(
            inputChannels: options.network.inputChannels + 1, filters: options.discriminatorFilters,
            layers: options.discriminatorLayers, seed: options.seed &* 31 &+ 2)
        adamG = Adam(learningRate: options.learningRate, beta1: options.beta1)
        adamD = Adam(learningRate: options.learningRate, beta1: options.beta1)
        examples = Self.generate(
            options.pairs, seed: options.seed, planes: options.network.inputChannels, generator: generator,
            progress: progress)
    }

    /// Pair k of a run has seed (run seed × 2⁲⁰ + k): held-out sets use seeds far from these.
    static func generate(
        _ count: Int, seed: UInt64, planes: Int, generator: SyntheticDetailPair.Generator,
        progress: (Int, Int) -> Void
    ) -> [TrainingExample] {
        var out = [TrainingExample?](repeating: nil, count: count)
        let chunk = 16
        var done = 0
        while done < count {
            let range = done..<min(count, done + chunk)
            let made = Slots<TrainingExample>(range.count)
            DispatchQueue.concurrentPerform(iterations: range.count) { k in
                made.put(
                    k, TrainingExample(generator.pair(seed: seed << 20 &+ UInt64(range.lowerBound + k)), planes: planes)
                )
            }
            for k in 0..<range.count { out[range.lowerBound + k] = made.take(k) }
            done = range.upperBound
            progress(done, count)
        }
        return out.map { $0! }
    }

    /// The rate at `step`: constant, then linear to zero over the last `decaySteps`.
    var learningRate: Float {
        let decayStart = options.steps - options.decaySteps
        guard step >= decayStart, options.decaySteps > 0 else { return options.learningRate }
        return options.learningRate * Float(options.steps - step) / Float(options.decaySteps + 1)
    }

    /// Whether `step` is an unsupervised (photometric) one.
    var photometricStep: Bool { !real.isEmpty && step >= options.geometrySteps && step % 2 == 1 }

    public mutating func trainStep() throws -> DetailTrainingRecord {
        let clock = ContinuousClock()
        let start = clock.now
        adamG.learningRate = learningRate
        adamD.learningRate = learningRate
        var random = SeededRandom(seed: options.seed &* 0x9E37_79B9 &+ UInt64(step) &* 0x2545_F491_4F6C_DD1D)
        net.generator.training = true
        discriminator.training = true
        var record = DetailTrainingRecord(step: step, seconds: 0)
        if photometricStep {
            record.photometric = try photometricBatch(&random)
        } else {
            (record.geometry, record.adversarial, record.discriminator) = try supervisedBatch(&random)
        }
        step += 1
        record.seconds = (clock.now - start).seconds
        log.append(record)
        return record
    }

    /// A crop's top-left corner whose window is at least 30 % covered by `mask` (10 tries).
    func cropOrigin(_ mask: (Int) -> Bool, _ random: inout SeededRandom) -> (Int, Int) {
        let n = options.network.grid
        let c = options.crop
        var best = (0, 0)
        var bestCover = -1
        for _ in 0..<10 {
            let x0 = Int(random.unit() * Double(n - c + 1))
            let y0 = Int(random.unit() * Double(n - c + 1))
            var cover = 0
            for y in stride(from: y0, to: y0 + c, by: 4) {
                for x in stride(from: x0, to: x0 + c, by: 4) where mask(y * n + x) { cover += 1 }
            }
            if cover > bestCover { (best, bestCover) = ((x0, y0), cover) }
            if Double(cover) >= 0.3 * Double(c * c / 16) { break }
        }
        return best
    }

    mutating func supervisedBatch(_ random: inout SeededRandom) throws -> (Double, Double, Double) {
        let (b, c, n) = (options.batch, options.crop, options.network.grid)
        let channels = options.network.inputChannels
        var x: [Float] = []
        var y: [Float] = []
        var m: [Float] = []
        for _ in 0..<b {
            let e = examples[Int(random.unit() * Double(examples.count))]
            let (x0, y0) = cropOrigin({ e.mask[$0] > 0 }, &random)
            let mirror = random.unit() < 0.5
            x += Crops.cut(
                e.planes, count: channels, grid: n, x0: x0, y0: y0, side: c, mirror: mirror,
                normalX: channels > 2 ? 2 : nil)
            y += Crops.cut(e.target, count: 1, grid: n, x0: x0, y0: y0, side: c, mirror: mirror, normalX: nil)
            m += Crops.cut(e.mask, count: 1, grid: n, x0: x0, y0: y0, side: c, mirror: mirror, normalX: nil)
        }
        let input = try Tensor(shape: [b, channels, c, c], values: x)
        let scale = options.network.outputScale
        let real = try Tensor(shape: [b, 1, c, c], values: y.map { $0 / scale })
        let fake = try net.generator.forward(input)
        var g = Tensor(shape: fake.shape)
        var dLoss = 0.0
        var adversarialLoss = 0.0
        if options.adversarialWeight > 0 {
            // Discriminator: fake pairs toward 0, real toward 1, each half the loss.
            discriminator.zeroGradients()
            for (pair, label) in [
                (try TensorOperations.concatenateChannels([input, fake]), Float(0)),
                (try TensorOperations.concatenateChannels([input, real]), Float(1)),
            ] {
                let score = try discriminator.forward(pair)
                let loss = try Loss.leastSquaresGAN(label: label).evaluate(prediction: score)
                var gd = loss.gradient
                for i in gd.values.indices { gd.values[i] *= 0.5 }
                _ = try discriminator.backward(gd)
                dLoss += 0.5 * loss.loss
            }
            try adamD.update(&discriminator)
            // Generator: fool the discriminator.
            discriminator.zeroGradients()
            let score = try discriminator.forward(try TensorOperations.concatenateChannels([input, fake]))
            let adversarial = try Loss.leastSquaresGAN(label: 1).evaluate(prediction: score)
            g = try TensorOperations.splitChannels(
                try discriminator.backward(adversarial.gradient), counts: [channels, 1])[1]
            for i in g.values.indices { g.values[i] *= options.adversarialWeight }
            adversarialLoss = adversarial.loss
        }
        net.generator.zeroGradients()
        // Plus λ·L1 on the seen texels, in units of `geometryUnit` mm.
        let count = max(m.reduce(0, +), 1)
        var l1 = 0.0
        for i in g.values.indices where m[i] > 0 {
            let e = fake.values[i] * scale - y[i]
            l1 += Double(abs(e))
            g.values[i] += options.lambda / options.geometryUnit * scale * (e > 0 ? 1 : e < 0 ? -1 : 0) / count
        }
        _ = try net.generator.backward(g)
        try adamG.update(&net.generator)
        return (l1 / Double(count), adversarialLoss, dLoss)
    }

    mutating func photometricBatch(_ random: inout SeededRandom) throws -> Double {
        let (c, n) = (options.crop, options.network.grid)
        let channels = options.network.inputChannels
        let b = options.batch
        var x: [Float] = []
        var windows: [(RealDetailExample, Int, Int)] = []
        for _ in 0..<b {
            let e = real[Int(random.unit() * Double(real.count))]
            let (x0, y0) = cropOrigin({ e.loss.weights[$0] > 0 }, &random)
            x += Crops.cut(e.planes, count: channels, grid: n, x0: x0, y0: y0, side: c, mirror: false, normalX: nil)
            windows.append((e, x0, y0))
        }
        let input = try Tensor(shape: [b, channels, c, c], values: x)
        let fake = try net.generator.forward(input)
        let scale = options.network.outputScale
        var g = Tensor(shape: fake.shape)
        var total = 0.0
        for (k, (e, x0, y0)) in windows.enumerated() {
            let slice = (k * c * c)..<((k + 1) * c * c)
            let d = fake.values[slice].map { $0 * scale }
            let (loss, gradient) = e.loss.evaluate(d, side: c, x0: x0, y0: y0)
            total += loss / Double(b)
            let weight = options.lambda * options.eta * scale / Float(b)
            for (j, v) in gradient.enumerated() { g.values[slice.lowerBound + j] = weight * v }
        }
        net.generator.zeroGradients()
        _ = try net.generator.backward(g)
        try adamG.update(&net.generator)
        return total
    }
}

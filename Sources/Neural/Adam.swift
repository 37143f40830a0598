import Foundation

/// Adam (Kingma & Ba 2015) over named parameters, as PyTorch's `torch.optim.Adam`: moments
/// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
/// Weight decay is the L2 kind PyTorch's Adam applies (g ← g + λθ before the moments).
public struct Adam: Sendable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0
    public private(set) var step = 0
    private var first: [String: [Float]] = [:]
    private var second: [String: [Float]] = [:]

    public init(
        learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One step: every parameter with a gradient of the same shape moves; a gradient without its
    /// parameter, or of another shape, is an error (nothing moves then).
    public mutating func update(_ parameters: inout [String: Tensor], gradients: [String: Tensor]) throws {
        for (name, g) in gradients {
            guard let p = parameters[name] else {
                throw NeuralError(.mismatch, "gradient for unknown parameter '\(name)'")
            }
            guard p.shape == g.shape else {
                throw NeuralError(.shape, "gradient of '\(name)' is \(g.shape), the parameter \(p.shape)")
            }
        }
        step += 1
        let c1 = 1 - powf(beta1, Float(step))
        let c2 = 1 - powf(beta2, Float(step))
        let (b1, b2, lr, eps, decay) = (beta1, beta2, learningRate, epsilon, weightDecay)
        for name in gradients.keys.sorted() {
            let g = gradients[name]!
            // Taken out of the dictionaries so each buffer has one owner and is written in place.
            var p = parameters.removeValue(forKey: name)!
            var m = first.removeValue(forKey: name) ?? Array(repeating: 0, count: g.count)
            var v = second.removeValue(forKey: name) ?? Array(repeating: 0, count: g.count)
            g.values.withUnsafeBufferPointer { gp in
                p.values.withUnsafeMutableBufferPointer { pp in
                    m.withUnsafeMutableBufferPointer { mp in
                        v.withUnsafeMutableBufferPointer { vp in
                            // Large tensors in two halves on the two cores (element-wise: any split gives the same bits).
                            let lanes = g.count >= 1 << 18 ? Lanes.count : 1
                            Lanes.run(lanes) { lane in
                                let range = (g.count * lane / lanes)..<(g.count * (lane + 1) / lanes)
                                for i in range {
                                    let grad = gp[i] + decay * pp[i]
                                    mp[i] = b1 * mp[i] + (1 - b1) * grad
                                    vp[i] = b2 * vp[i] + (1 - b2) * grad * grad
                                    pp[i] -= lr * (mp[i] / c1) / ((vp[i] / c2).squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
            first[name] = m
            second[name] = v
            parameters[name] = p
        }
    }

    /// The moments as tensors ("first.NAME", "second.NAME"), for a checkpoint; `restore` takes them back.
    public var moments: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, m) in first { out["first.\(name)"] = try! Tensor(shape: [m.count], values: m) }
        for (name, v) in second { out["second.\(name)"] = try! Tensor(shape: [v.count], values: v) }
        return out
    }

    /// Resumes from a checkpoint: the step count and the `moments` it saved.
    public mutating func restore(step: Int, moments: [String: Tensor]) throws {
        var first: [String: [Float]] = [:]
        var second: [String: [Float]] = [:]
        for (key, tensor) in moments {
            if key.hasPrefix("first.") {
                first[String(key.dropFirst(6))] = tensor.values
            } else if key.hasPrefix("second.") {
                second[String(key.dropFirst(7))] = tensor.values
            } else {
                throw NeuralError(.mismatch, "optimiser state '\(key)' is neither a first nor a second moment")
            }
        }
        self.step = step
        self.first = first
        self.second = second
    }

    /// One step on a module's trainable parameters with the gradients it has accumulated. The
    /// module lets go of its tensors for the step (its state is set empty, then back), so the
    /// parameters are updated in place rather than copied: for pix2pix's U-Net that is 218 MB
    /// not copied per step.
    public mutating func update<M: Module>(_ module: inout M) throws {
        var state = module.state
        let gradients = module.gradients
        module.state = [:]
        defer { module.state = state }
        try update(&state, gradients: gradients)
    }
}

/// pix2pix's learning-rate schedule: the initial rate for `constantEpochs`, then a linear decay to
/// zero over `decayEpochs` (rate × (1 − max(0, epoch + 1 − constant) / (decay + 1)), epochs from 0).
public struct LinearDecaySchedule: Sendable {
    public var initial: Float
    public var constantEpochs: Int
    public var decayEpochs: Int

    public init(initial: Float, constantEpochs: Int, decayEpochs: Int) {
        self.initial = initial
        self.constantEpochs = constantEpochs
        self.decayEpochs = decayEpochs
    }

    public func rate(epoch: Int) -> Float {
        initial * (1 - Float(max(0, epoch + 1 - constantEpochs)) / Float(decayEpochs + 1))
    }
}

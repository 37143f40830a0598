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

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
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
            guard let p = parameters[name] else { throw NeuralError(.mismatch, "gradient for unknown parameter '\(name)'") }
            guard p.shape == g.shape else { throw NeuralError(.shape, "gradient of '\(name)' is \(g.shape), the parameter \(p.shape)") }
        }
        step += 1
        let correction1 = 1 - powf(beta1, Float(step)), correction2 = 1 - powf(beta2, Float(step))
        for name in gradients.keys.sorted() {
            let g = gradients[name]!
            var p = parameters[name]!
            var m = first[name] ?? Array(repeating: 0, count: g.count), v = second[name] ?? Array(repeating: 0, count: g.count)
            for i in 0..<g.count {
                let grad = g.values[i] + weightDecay * p.values[i]
                m[i] = beta1 * m[i] + (1 - beta1) * grad
                v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
                p.values[i] -= learningRate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
            }
            first[name] = m
            second[name] = v
            parameters[name] = p
        }
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

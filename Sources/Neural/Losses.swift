import Foundation

/// The training losses of the two networks, each the mean over all elements (PyTorch's default
/// reduction), returning the loss and its gradient with respect to the prediction.
public enum Loss: Sendable, Equatable {
    /// mean |p − t| (pix2pix's reconstruction term).
    case l1
    /// mean (p − t)².
    case l2
    /// Least-squares GAN (Mao et al. 2017): mean (p − label)² against a constant label (1 real, 0 fake).
    case leastSquaresGAN(label: Float)
    /// Binary cross-entropy on logits p with targets t ∈ [0, 1]: mean of
    /// max(p, 0) − p·t + log(1 + e^−|p|), the stable form of −t·log σ(p) − (1 − t)·log(1 − σ(p)).
    case binaryCrossEntropy
    /// Categorical cross-entropy on logits [N, K] against one-hot or soft targets [N, K]:
    /// mean over N of −Σₖ tₖ·log softmax(p)ₖ (log-sum-exp shifted by the row's maximum).
    case categoricalCrossEntropy

    public func evaluate(prediction p: Tensor, target t: Tensor? = nil) throws -> (loss: Double, gradient: Tensor) {
        var target = t ?? Tensor(shape: p.shape)
        if case .leastSquaresGAN(let label) = self { target = Tensor(shape: p.shape, repeating: label) }
        guard target.shape == p.shape else {
            throw NeuralError(.shape, "target \(target.shape) does not match prediction \(p.shape)")
        }
        var gradient = Tensor(shape: p.shape)
        var sum = 0.0
        let count = Float(max(1, p.count))
        switch self {
        case .l1:
            for i in p.values.indices {
                let d = p.values[i] - target.values[i]
                sum += Double(abs(d))
                gradient.values[i] = (d > 0 ? 1 : d < 0 ? -1 : 0) / count
            }
        case .l2, .leastSquaresGAN:
            for i in p.values.indices {
                let d = p.values[i] - target.values[i]
                sum += Double(d * d)
                gradient.values[i] = 2 * d / count
            }
        case .binaryCrossEntropy:
            for i in p.values.indices {
                let (x, y) = (p.values[i], target.values[i])
                sum += Double(max(x, 0) - x * y + log1pf(expf(-abs(x))))
                gradient.values[i] = (Activation.logistic(x) - y) / count
            }
        case .categoricalCrossEntropy:
            return try Self.crossEntropy(p, target)
        }
        return (sum / Double(count), gradient)
    }

    private static func crossEntropy(_ p: Tensor, _ t: Tensor) throws -> (loss: Double, gradient: Tensor) {
        guard p.rank == 2 else {
            throw NeuralError(.shape, "categorical cross-entropy takes logits [N, K]", reason: "got \(p.shape)")
        }
        let (n, k) = (p.shape[0], p.shape[1])
        var gradient = Tensor(shape: p.shape)
        var sum = 0.0
        for r in 0..<n {
            let row = Array(p.values[(r * k)..<((r + 1) * k)])
            let top = row.max() ?? 0
            let logZ = Double(top) + log(row.reduce(0.0) { $0 + exp(Double($1 - top)) })
            var mass: Float = 0
            for j in 0..<k { mass += t.values[r * k + j] }
            for j in 0..<k {
                let logSoftmax = Double(row[j]) - logZ
                sum -= Double(t.values[r * k + j]) * logSoftmax
                // d/dp of −Σ t log softmax = softmax · Σt − t.
                gradient.values[r * k + j] = (Float(exp(logSoftmax)) * mass - t.values[r * k + j]) / Float(n)
            }
        }
        return (sum / Double(n), gradient)
    }
}

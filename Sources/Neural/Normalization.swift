/// Batch normalisation (statistics per channel over batch and space; running statistics for
/// evaluation) and instance normalisation (per sample and channel over space), as PyTorch's
/// `BatchNorm2d` and `InstanceNorm2d` compute them: y = γ·(x − μ)/√(σ² + ε) + β with the biased
/// variance, running variance updated with the unbiased one.
public struct Normalization: Sendable {
    public enum Statistics: Sendable { case batch, instance }

    public let statistics: Statistics
    public let channels: Int
    public var epsilon: Float = 1e-5
    /// Weight of the newest batch in the running statistics.
    public var momentum: Float = 0.1
    public var scale: Tensor
    public var shift: Tensor
    public var runningMean: Tensor
    public var runningVariance: Tensor

    public init(_ statistics: Statistics, channels: Int) {
        self.statistics = statistics
        self.channels = channels
        scale = Tensor(shape: [channels], repeating: 1)
        shift = Tensor(shape: [channels])
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
    }

    /// What backward needs from forward.
    public struct Cache: Sendable {
        let normalised: Tensor
        let inverseDeviation: [Float]
        let training: Bool
    }

    /// Normalises x [N, C, H, W]. In training (and always for instance statistics) the batch's own
    /// statistics are used and, for batch statistics, folded into the running ones; in evaluation
    /// batch normalisation uses the running statistics.
    public mutating func forward(_ x: Tensor, training: Bool) throws -> (output: Tensor, cache: Cache) {
        guard x.rank == 4, x.shape[1] == channels else {
            throw NeuralError(.shape, "normalisation input must be [N, \(channels), H, W]", cause: "got \(x.shape)")
        }
        let (n, plane) = (x.shape[0], x.shape[2] * x.shape[3])
        let useBatch = training || statistics == .instance
        let groups = statistics == .batch ? channels : n * channels
        let perGroup = statistics == .batch ? n * plane : plane
        var mean = [Double](repeating: 0, count: groups), variance = [Double](repeating: 0, count: groups)
        if useBatch {
            forEach(x.shape) { i, group, _ in mean[group] += Double(x.values[i]) }
            for g in 0..<groups { mean[g] /= Double(perGroup) }
            forEach(x.shape) { i, group, _ in let d = Double(x.values[i]) - mean[group]; variance[group] += d * d }
            for g in 0..<groups { variance[g] /= Double(perGroup) }
        } else {
            mean = runningMean.values.map(Double.init)
            variance = runningVariance.values.map(Double.init)
        }
        if training && statistics == .batch {
            let unbiased = Double(perGroup) / Double(max(1, perGroup - 1))
            for c in 0..<channels {
                runningMean.values[c] = (1 - momentum) * runningMean.values[c] + momentum * Float(mean[c])
                runningVariance.values[c] = (1 - momentum) * runningVariance.values[c] + momentum * Float(variance[c] * unbiased)
            }
        }
        let inverse = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        var normalised = x, y = x
        forEach(x.shape) { i, group, channel in
            let v = (x.values[i] - Float(mean[group])) * inverse[group]
            normalised.values[i] = v
            y.values[i] = scale.values[channel] * v + shift.values[channel]
        }
        return (y, Cache(normalised: normalised, inverseDeviation: inverse, training: useBatch))
    }

    /// dL/dx, dL/dγ, dL/dβ from dL/dy.
    public func backward(_ cache: Cache, outputGradient dy: Tensor) throws -> (input: Tensor, scale: Tensor, shift: Tensor) {
        guard dy.shape == cache.normalised.shape else {
            throw NeuralError(.shape, "gradient \(dy.shape) does not match the forward pass \(cache.normalised.shape)")
        }
        let shape = dy.shape, xhat = cache.normalised.values
        let groups = cache.inverseDeviation.count
        let perGroup = Float(dy.count / groups)
        var dScale = Tensor(shape: [channels]), dShift = Tensor(shape: [channels])
        var sumDy = [Float](repeating: 0, count: groups), sumDyXhat = [Float](repeating: 0, count: groups)
        forEach(shape) { i, group, channel in
            dShift.values[channel] += dy.values[i]
            dScale.values[channel] += dy.values[i] * xhat[i]
            sumDy[group] += dy.values[i]
            sumDyXhat[group] += dy.values[i] * xhat[i]
        }
        var dx = dy
        forEach(shape) { i, group, channel in
            let g = scale.values[channel] * cache.inverseDeviation[group]
            // With the statistics taken from this batch, x moves them too; with running ones it does not.
            dx.values[i] = cache.training ? g * (dy.values[i] - (sumDy[group] + xhat[i] * sumDyXhat[group]) / perGroup) : g * dy.values[i]
        }
        return (dx, dScale, dShift)
    }

    /// Calls body(index, statistics group, channel) for every element of an [N, C, H, W] tensor.
    @inline(__always)
    private func forEach(_ shape: [Int], _ body: (Int, Int, Int) -> Void) {
        let (n, plane) = (shape[0], shape[2] * shape[3])
        for b in 0..<n {
            for c in 0..<channels {
                let group = statistics == .batch ? c : b * channels + c
                let base = (b * channels + c) * plane
                for i in base..<(base + plane) { body(i, group, c) }
            }
        }
    }
}

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
        /// The input (shared, not copied) and its statistics: x̂ = (x − μ)·(1/σ) is recomputed
        /// in backward rather than stored.
        let input: Tensor
        let mean: [Float]
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
            x.values.withUnsafeBufferPointer { xp in
                forEachPlane(x.shape) { base, group, _ in
                    var sum = 0.0
                    for i in base..<(base + plane) { sum += Double(xp[i]) }
                    mean[group] += sum
                }
                for g in 0..<groups { mean[g] /= Double(perGroup) }
                forEachPlane(x.shape) { base, group, _ in
                    let m = mean[group]
                    var sum = 0.0
                    for i in base..<(base + plane) { let d = Double(xp[i]) - m; sum += d * d }
                    variance[group] += sum
                }
            }
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
        var y = x
        x.values.withUnsafeBufferPointer { xp in
            y.values.withUnsafeMutableBufferPointer { yp in
                forEachPlane(x.shape) { base, group, channel in
                    let a = scale.values[channel] * inverse[group], b = shift.values[channel] - a * Float(mean[group])
                    for i in base..<(base + plane) { yp[i] = a * xp[i] + b }
                }
            }
        }
        return (y, Cache(input: x, mean: mean.map { Float($0) }, inverseDeviation: inverse, training: useBatch))
    }

    /// dL/dx, dL/dγ, dL/dβ from dL/dy.
    public func backward(_ cache: Cache, outputGradient dy: Tensor) throws -> (input: Tensor, scale: Tensor, shift: Tensor) {
        guard dy.shape == cache.input.shape else {
            throw NeuralError(.shape, "gradient \(dy.shape) does not match the forward pass \(cache.input.shape)")
        }
        let plane = dy.shape[2] * dy.shape[3], groups = cache.inverseDeviation.count
        let perGroup = Float(dy.count / groups)
        var dScale = Tensor(shape: [channels]), dShift = Tensor(shape: [channels])
        var sumDy = [Float](repeating: 0, count: groups), sumDyXhat = [Float](repeating: 0, count: groups)
        var dx = dy
        dy.values.withUnsafeBufferPointer { gp in
            cache.input.values.withUnsafeBufferPointer { xp in
                forEachPlane(dy.shape) { base, group, channel in
                    let m = cache.mean[group], k = cache.inverseDeviation[group]
                    var s0: Float = 0, s1: Float = 0
                    for i in base..<(base + plane) { s0 += gp[i]; s1 += gp[i] * (xp[i] - m) }
                    dShift.values[channel] += s0
                    dScale.values[channel] += s1 * k
                    sumDy[group] += s0
                    sumDyXhat[group] += s1 * k
                }
                dx.values.withUnsafeMutableBufferPointer { dp in
                    forEachPlane(dy.shape) { base, group, channel in
                        let m = cache.mean[group], k = cache.inverseDeviation[group], g = scale.values[channel] * k
                        guard cache.training else {
                            // Running statistics: y is affine in x.
                            for i in base..<(base + plane) { dp[i] = g * gp[i] }
                            return
                        }
                        // Statistics from this batch: x moves them too.
                        let meanDy = sumDy[group] / perGroup, meanDyXhat = sumDyXhat[group] / perGroup
                        for i in base..<(base + plane) { dp[i] = g * (gp[i] - meanDy - (xp[i] - m) * k * meanDyXhat) }
                    }
                }
            }
        }
        return (dx, dScale, dShift)
    }

    /// Calls body(first index, statistics group, channel) for every H × W plane of an [N, C, H, W] tensor.
    @inline(__always)
    private func forEachPlane(_ shape: [Int], _ body: (Int, Int, Int) -> Void) {
        let (n, plane) = (shape[0], shape[2] * shape[3])
        for b in 0..<n {
            for c in 0..<channels { body((b * channels + c) * plane, statistics == .batch ? c : b * channels + c, c) }
        }
    }
}

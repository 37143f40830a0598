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
            throw NeuralError(.shape, "normalisation input must be [N, \(channels), H, W]", reason: "got \(x.shape)")
        }
        let (n, plane) = (x.shape[0], x.shape[2] * x.shape[3])
        let useBatch = training || statistics == .instance
        let groups = statistics == .batch ? channels : n * channels
        let perGroup = Double(statistics == .batch ? n * plane : plane)
        var mean = useBatch ? [Double](repeating: 0, count: groups) : runningMean.values.map(Double.init)
        var variance = useBatch ? [Double](repeating: 0, count: groups) : runningVariance.values.map(Double.init)
        var inverse = [Float](repeating: 0, count: groups)
        var y = x
        let (gamma, beta, eps) = (scale.values, shift.values, Double(epsilon))
        x.values.withUnsafeBufferPointer { xp in
            y.values.withUnsafeMutableBufferPointer { yp in
                mean.withUnsafeMutableBufferPointer { mp in
                    variance.withUnsafeMutableBufferPointer { vp in
                        inverse.withUnsafeMutableBufferPointer { ip in
                            forEachChannel(n: n, count: x.count) { c, planes in
                                if useBatch {
                                    for (base, g) in planes {
                                        var sum = 0.0
                                        for i in base..<(base + plane) { sum += Double(xp[i]) }
                                        mp[g] += sum
                                    }
                                    for g in groupsOf(c, n: n) { mp[g] /= perGroup }
                                    for (base, g) in planes {
                                        let m = mp[g]
                                        var sum = 0.0
                                        for i in base..<(base + plane) {
                                            let d = Double(xp[i]) - m
                                            sum += d * d
                                        }
                                        vp[g] += sum
                                    }
                                    for g in groupsOf(c, n: n) { vp[g] /= perGroup }
                                }
                                for g in groupsOf(c, n: n) { ip[g] = Float(1 / (vp[g] + eps).squareRoot()) }
                                for (base, g) in planes {
                                    let a = gamma[c] * ip[g]
                                    let b = beta[c] - a * Float(mp[g])
                                    for i in base..<(base + plane) { yp[i] = a * xp[i] + b }
                                }
                            }
                        }
                    }
                }
            }
        }
        if training && statistics == .batch {
            let unbiased = perGroup / max(1, perGroup - 1)
            for c in 0..<channels {
                runningMean.values[c] = (1 - momentum) * runningMean.values[c] + momentum * Float(mean[c])
                runningVariance.values[c] =
                    (1 - momentum) * runningVariance.values[c] + momentum * Float(variance[c] * unbiased)
            }
        }
        return (y, Cache(input: x, mean: mean.map { Float($0) }, inverseDeviation: inverse, training: useBatch))
    }

    /// dL/dx, dL/dγ, dL/dβ from dL/dy.
    public func backward(_ cache: Cache, outputGradient dy: Tensor) throws -> (
        input: Tensor, scale: Tensor, shift: Tensor
    ) {
        guard dy.shape == cache.input.shape else {
            throw NeuralError(.shape, "gradient \(dy.shape) does not match the forward pass \(cache.input.shape)")
        }
        let (n, plane) = (dy.shape[0], dy.shape[2] * dy.shape[3])
        let perGroup = Float(dy.count / cache.inverseDeviation.count)
        var dScale = Tensor(shape: [channels])
        var dShift = Tensor(shape: [channels])
        var dx = dy
        let gamma = scale.values
        dy.values.withUnsafeBufferPointer { gp in
            cache.input.values.withUnsafeBufferPointer { xp in
                dx.values.withUnsafeMutableBufferPointer { dp in
                    dScale.values.withUnsafeMutableBufferPointer { dsp in
                        dShift.values.withUnsafeMutableBufferPointer { dbp in
                            forEachChannel(n: n, count: dy.count) { c, planes in
                                // Per statistics group: Σ dy and Σ dy·x̂ (x̂ recomputed from x).
                                var sums: [Int: (dy: Float, dyXhat: Float)] = [:]
                                for (base, g) in planes {
                                    let m = cache.mean[g]
                                    let k = cache.inverseDeviation[g]
                                    var s0: Float = 0
                                    var s1: Float = 0
                                    for i in base..<(base + plane) {
                                        s0 += gp[i]
                                        s1 += gp[i] * (xp[i] - m)
                                    }
                                    dbp[c] += s0
                                    dsp[c] += s1 * k
                                    let old = sums[g] ?? (0, 0)
                                    sums[g] = (old.dy + s0, old.dyXhat + s1 * k)
                                }
                                for (base, g) in planes {
                                    let m = cache.mean[g]
                                    let k = cache.inverseDeviation[g]
                                    let a = gamma[c] * k
                                    guard cache.training else {
                                        // Running statistics: y is affine in x.
                                        for i in base..<(base + plane) { dp[i] = a * gp[i] }
                                        continue
                                    }
                                    // Statistics from this batch: x moves them too.
                                    let meanDy = sums[g]!.dy / perGroup
                                    let meanDyXhat = sums[g]!.dyXhat / perGroup
                                    for i in base..<(base + plane) {
                                        dp[i] = a * (gp[i] - meanDy - (xp[i] - m) * k * meanDyXhat)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dScale, dShift)
    }

    /// The statistics groups of channel c: c itself for batch statistics, (b, c) for instance ones.
    private func groupsOf(_ c: Int, n: Int) -> [Int] {
        statistics == .batch ? [c] : (0..<n).map { $0 * channels + c }
    }

    /// Calls body(channel, its planes as (first index, statistics group)) for every channel of an
    /// [N, C, H, W] tensor of `count` values; large tensors on two cores, each channel wholly on
    /// one (channels are independent and each is summed in the same order either way).
    private func forEachChannel(n: Int, count: Int, _ body: (Int, [(base: Int, group: Int)]) -> Void) {
        let plane = count / max(1, n * channels)
        let lanes = count >= 1 << 16 && channels > 1 ? Lanes.count : 1
        Lanes.run(lanes) { lane in
            for c in (channels * lane / lanes)..<(channels * (lane + 1) / lanes) {
                body(c, (0..<n).map { b in ((b * channels + c) * plane, statistics == .batch ? c : b * channels + c) })
            }
        }
    }
}

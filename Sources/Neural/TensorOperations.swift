import Foundation

/// The remaining operations the two networks need, each with its backward.
public enum TensorOperations {
    /// a + b (same shape); the gradient passes to both unchanged.
    public static func add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.shape == b.shape else { throw NeuralError(.shape, "cannot add \(a.shape) and \(b.shape)") }
        var out = a
        for i in out.values.indices { out.values[i] += b.values[i] }
        return out
    }

    /// [N, C₁ + C₂ + …, H, W] from tensors equal but for their channels (the U-Net's skips).
    public static func concatenateChannels(_ parts: [Tensor]) throws -> Tensor {
        guard let first = parts.first,
            parts.allSatisfy({
                $0.rank == 4 && $0.shape[0] == first.shape[0] && Array($0.shape[2...]) == Array(first.shape[2...])
            })
        else {
            throw NeuralError(
                .shape, "channel concatenation needs [N, ·, H, W] tensors of one N, H, W",
                reason: "got \(parts.map(\.shape))")
        }
        let n = first.shape[0]
        let plane = first.shape[2] * first.shape[3]
        let channels = parts.map { $0.shape[1] }.reduce(0, +)
        var values: [Float] = []
        values.reserveCapacity(n * channels * plane)
        for b in 0..<n {
            for p in parts { values += p.values[(b * p.shape[1] * plane)..<((b + 1) * p.shape[1] * plane)] }
        }
        return try Tensor(shape: [n, channels, first.shape[2], first.shape[3]], values: values)
    }

    /// The gradient of `concatenateChannels`, split back into the parts' channel counts.
    public static func splitChannels(_ gradient: Tensor, counts: [Int]) throws -> [Tensor] {
        guard gradient.rank == 4, counts.reduce(0, +) == gradient.shape[1] else {
            throw NeuralError(.shape, "cannot split \(gradient.shape) into \(counts) channels")
        }
        let n = gradient.shape[0]
        let plane = gradient.shape[2] * gradient.shape[3]
        let total = gradient.shape[1]
        var first = 0
        return try counts.map { count in
            defer { first += count }
            var values: [Float] = []
            for b in 0..<n {
                let start = (b * total + first) * plane
                values += gradient.values[start..<(start + count * plane)]
            }
            return try Tensor(shape: [n, count, gradient.shape[2], gradient.shape[3]], values: values)
        }
    }

    /// Nearest-neighbour up-sampling by an integer factor; backward sums each block.
    public static func upsample(_ x: Tensor, factor f: Int) throws -> Tensor {
        guard x.rank == 4, f >= 1 else { throw NeuralError(.shape, "up-sampling takes [N, C, H, W] and a factor ≥ 1") }
        let (h, w) = (x.shape[2], x.shape[3])
        var y = Tensor(shape: [x.shape[0], x.shape[1], h * f, w * f])
        for plane in 0..<(x.shape[0] * x.shape[1]) {
            for yy in 0..<(h * f) {
                for xx in 0..<(w * f) {
                    y.values[(plane * h * f + yy) * w * f + xx] = x.values[(plane * h + yy / f) * w + xx / f]
                }
            }
        }
        return y
    }

    public static func upsampleBackward(_ dy: Tensor, factor f: Int) throws -> Tensor {
        guard dy.rank == 4, f >= 1, dy.shape[2] % f == 0, dy.shape[3] % f == 0 else {
            throw NeuralError(.shape, "up-sampling gradient \(dy.shape) is not a multiple of \(f)")
        }
        let (h, w) = (dy.shape[2] / f, dy.shape[3] / f)
        var dx = Tensor(shape: [dy.shape[0], dy.shape[1], h, w])
        for plane in 0..<(dy.shape[0] * dy.shape[1]) {
            for yy in 0..<(h * f) {
                for xx in 0..<(w * f) {
                    dx.values[(plane * h + yy / f) * w + xx / f] += dy.values[(plane * h * f + yy) * w * f + xx]
                }
            }
        }
        return dx
    }

    /// Softmax over the last dimension (shifted by each row's maximum).
    public static func softmax(_ x: Tensor) -> Tensor {
        let k = x.shape.last ?? 1
        var y = x
        for start in stride(from: 0, to: x.count, by: max(k, 1)) {
            let row = x.values[start..<(start + k)]
            let top = row.max() ?? 0
            var sum: Float = 0
            for j in 0..<k {
                let e = expf(x.values[start + j] - top)
                y.values[start + j] = e
                sum += e
            }
            for j in 0..<k { y.values[start + j] /= sum }
        }
        return y
    }

    /// dx = y ⊙ (dy − Σ dy ⊙ y) per row, from the softmax's output y.
    public static func softmaxBackward(output y: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        guard y.shape == dy.shape else { throw NeuralError(.shape, "gradient \(dy.shape) does not match \(y.shape)") }
        let k = y.shape.last ?? 1
        var dx = dy
        for start in stride(from: 0, to: y.count, by: max(k, 1)) {
            var dot: Float = 0
            for j in 0..<k { dot += dy.values[start + j] * y.values[start + j] }
            for j in 0..<k { dx.values[start + j] = y.values[start + j] * (dy.values[start + j] - dot) }
        }
        return dx
    }

    /// Inverted dropout: each value kept with probability 1 − p and scaled by 1/(1 − p), the
    /// mask drawn from `seed` (the same seed gives the same mask). Returns the mask for backward
    /// (dx = dy ⊙ mask).
    public static func dropout(_ x: Tensor, probability p: Float, seed: UInt64) throws -> (output: Tensor, mask: Tensor)
    {
        guard (0..<1).contains(p) else {
            throw NeuralError(.shape, "dropout probability must be in [0, 1)", reason: "got \(p)")
        }
        var state = seed
        var mask = Tensor(shape: x.shape)
        var y = x
        for i in x.values.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Float(state >> 40) / Float(1 << 24)
            mask.values[i] = u >= p ? 1 / (1 - p) : 0
            y.values[i] *= mask.values[i]
        }
        return (y, mask)
    }
}

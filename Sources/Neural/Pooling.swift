/// Pooling over square windows of [N, C, H, W] tensors, forward and backward.
public enum Pooling: Sendable, Equatable {
    /// Largest value per window; the gradient goes to the first position holding it.
    case max(window: Int, stride: Int)
    /// Mean per window (windows inside the input; no padding).
    case average(window: Int, stride: Int)
    /// Mean over all of H × W: [N, C, 1, 1].
    case globalAverage

    private func geometry(_ shape: [Int]) -> (window: (Int, Int), stride: Int, out: (Int, Int)) {
        switch self {
        case .max(let k, let s), .average(let k, let s): ((k, k), s, ((shape[2] - k) / s + 1, (shape[3] - k) / s + 1))
        case .globalAverage: ((shape[2], shape[3]), 1, (1, 1))
        }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try check(x)
        let g = geometry(x.shape)
        var y = Tensor(shape: [x.shape[0], x.shape[1], g.out.0, g.out.1])
        forEachWindow(x.shape) { o, inputs in
            if case .max = self {
                y.values[o] = inputs.map { x.values[$0] }.max()!
            } else {
                y.values[o] = inputs.reduce(0) { $0 + x.values[$1] } / Float(inputs.count)
            }
        }
        return y
    }

    public func backward(_ x: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        try check(x)
        let g = geometry(x.shape)
        guard dy.shape == [x.shape[0], x.shape[1], g.out.0, g.out.1] else {
            throw NeuralError(
                .shape, "pooling gradient must be \([x.shape[0], x.shape[1], g.out.0, g.out.1])",
                reason: "got \(dy.shape)")
        }
        var dx = Tensor(shape: x.shape)
        forEachWindow(x.shape) { o, inputs in
            if case .max = self {
                let top = inputs.map { x.values[$0] }.max()!
                dx.values[inputs.first { x.values[$0] == top }!] += dy.values[o]
            } else {
                for i in inputs { dx.values[i] += dy.values[o] / Float(inputs.count) }
            }
        }
        return dx
    }

    private func check(_ x: Tensor) throws {
        guard x.rank == 4 else { throw NeuralError(.shape, "pooling takes [N, C, H, W]", reason: "got \(x.shape)") }
        let g = geometry(x.shape)
        guard g.stride > 0, g.out.0 > 0, g.out.1 > 0 else {
            throw NeuralError(.shape, "pooling \(self) does not fit an input of \(x.shape[2])×\(x.shape[3])")
        }
    }

    /// body(output index, input indices of its window).
    private func forEachWindow(_ shape: [Int], _ body: (Int, [Int]) -> Void) {
        let g = geometry(shape)
        let (h, w) = (shape[2], shape[3])
        for plane in 0..<(shape[0] * shape[1]) {
            for oy in 0..<g.out.0 {
                for ox in 0..<g.out.1 {
                    var inputs: [Int] = []
                    for ky in 0..<g.window.0 {
                        for kx in 0..<g.window.1 {
                            inputs.append((plane * h + oy * g.stride + ky) * w + ox * g.stride + kx)
                        }
                    }
                    body((plane * g.out.0 + oy) * g.out.1 + ox, inputs)
                }
            }
        }
    }
}

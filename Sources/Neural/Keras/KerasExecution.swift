import Foundation

/// The inference arithmetic of `KerasOperation`s on NCHW tensors, with TensorFlow's `same`
/// padding (asymmetric when the total is odd: the extra row and column after).
enum KerasExecution {
    static func apply(_ operation: KerasOperation, to inputs: [Tensor]) throws -> Tensor {
        let x = inputs.first ?? Tensor(shape: [])
        switch operation {
        case .input, .identity: return x
        case .convolution(let weight, let bias, let shape, let padding):
            return try Convolution.forward(
                padded(x, window: shape.kernel.height, stride: shape.stride, padding, value: 0), weight: weight,
                bias: bias, shape: shape)
        case .separable(let d, let dShape, let p, let pShape, let bias, let padding):
            let depth = try Convolution.forward(
                padded(x, window: dShape.kernel.height, stride: dShape.stride, padding, value: 0), weight: d,
                bias: nil, shape: dShape)
            return try Convolution.forward(depth, weight: p, bias: bias, shape: pShape)
        case .batchNormalization(let scale, let shift):
            guard x.rank == 4 || x.rank == 2, x.shape[1] == scale.count else {
                throw NeuralError(.shape, "batch normalisation of \(scale.count) channels", reason: "got \(x.shape)")
            }
            var y = x
            let plane = x.rank == 4 ? x.shape[2] * x.shape[3] : 1
            for n in 0..<x.shape[0] {
                for c in 0..<scale.count {
                    let base = (n * scale.count + c) * plane
                    for i in 0..<plane { y.values[base + i] = x.values[base + i] * scale[c] + shift[c] }
                }
            }
            return y
        case .activation(let a): return activate(x, a)
        case .maxPooling(let window, let stride, let padding):
            return try pool(padded(x, window: window, stride: stride, padding, value: -.infinity), window, stride) {
                $0.max()!
            }
        case .averagePooling(let window, let stride, let padding):
            // TensorFlow's average pooling excludes the padding from each window's count.
            let marked = try padded(x, window: window, stride: stride, padding, value: .nan)
            return try pool(marked, window, stride) { values in
                let inside = values.filter { !$0.isNaN }
                return inside.reduce(0, +) / Float(max(inside.count, 1))
            }
        case .globalAveragePooling:
            guard x.rank == 4 else {
                throw NeuralError(.shape, "global pooling needs [N, C, H, W]", reason: "\(x.shape)")
            }
            let plane = x.shape[2] * x.shape[3]
            var y = Tensor(shape: [x.shape[0], x.shape[1]])
            for i in 0..<y.count {
                var sum: Float = 0
                for j in 0..<plane { sum += x.values[i * plane + j] }
                y.values[i] = sum / Float(plane)
            }
            return y
        case .add:
            var sum = x
            for other in inputs.dropFirst() { sum = try TensorOperations.add(sum, other) }
            return sum
        case .dense(let weight, let bias):
            return try Dense.forward(x, weight: weight, bias: bias)
        case .flatten:
            guard x.rank == 4 else { return x }
            let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            var y = Tensor(shape: [n, h * w * c])
            for b in 0..<n {
                for k in 0..<c {
                    for p in 0..<(h * w) { y.values[(b * h * w + p) * c + k] = x.values[(b * c + k) * h * w + p] }
                }
            }
            return y
        }
    }

    /// The activation fused into a layer (or an Activation layer's own); softmax over channels.
    static func activate(_ x: Tensor, _ activation: KerasActivation) -> Tensor {
        switch activation {
        case .linear: return x
        case .relu: return Activation.relu.forward(x)
        case .sigmoid: return Activation.sigmoid.forward(x)
        case .tanh: return Activation.tanh.forward(x)
        case .softmax:
            guard x.rank == 4 else { return TensorOperations.softmax(x) }
            // Channels last in Keras: the softmax runs over C at each position.
            var y = x
            let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
            for b in 0..<n {
                for p in 0..<plane {
                    let index = (0..<c).map { (b * c + $0) * plane + p }
                    let top = index.map { x.values[$0] }.max()!
                    let e = index.map { expf(x.values[$0] - top) }
                    let sum = e.reduce(0, +)
                    for (k, i) in index.enumerated() { y.values[i] = e[k] / sum }
                }
            }
            return y
        }
    }

    /// `x` with `same` padding for a square window at `stride` filled with `value`; unchanged for
    /// `valid` or when none is needed.
    static func padded(_ x: Tensor, window: Int, stride: Int, _ padding: KerasPadding, value: Float) throws -> Tensor {
        guard x.rank == 4 else { throw NeuralError(.shape, "a 2-D layer needs [N, C, H, W]", reason: "got \(x.shape)") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = padding.amounts(size: h, window: window, stride: stride)
        let columns = padding.amounts(size: w, window: window, stride: stride)
        guard rows.before + rows.after + columns.before + columns.after > 0 else { return x }
        let (ph, pw) = (h + rows.before + rows.after, w + columns.before + columns.after)
        var y = Tensor(shape: [n, c, ph, pw], repeating: value)
        for plane in 0..<(n * c) {
            for r in 0..<h {
                let from = (plane * h + r) * w
                let to = (plane * ph + r + rows.before) * pw + columns.before
                for k in 0..<w { y.values[to + k] = x.values[from + k] }
            }
        }
        return y
    }

    /// Pooling of square windows (no padding: `padded` has added it) by `reduce`.
    static func pool(_ x: Tensor, _ window: Int, _ stride: Int, reduce: ([Float]) -> Float) throws -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard h >= window, w >= window else { throw NeuralError(.shape, "pooling window \(window) exceeds \(h)×\(w)") }
        let (oh, ow) = ((h - window) / stride + 1, (w - window) / stride + 1)
        var y = Tensor(shape: [n, c, oh, ow])
        var values = [Float](repeating: 0, count: window * window)
        for plane in 0..<(n * c) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for dy in 0..<window {
                        for dx in 0..<window {
                            values[dy * window + dx] = x.values[(plane * h + oy * stride + dy) * w + ox * stride + dx]
                        }
                    }
                    y.values[(plane * oh + oy) * ow + ox] = reduce(values)
                }
            }
        }
        return y
    }
}

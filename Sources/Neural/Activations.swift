import Foundation

/// Element-wise activations, forward and backward. Backward takes the forward pass's input x
/// (and, where cheaper, its output y) and the gradient with respect to y, and returns the one
/// with respect to x.
public enum Activation: Sendable, Equatable {
    case relu
    /// max(x, slope·x); pix2pix's encoder uses slope 0.2.
    case leakyReLU(slope: Float)
    case tanh
    case sigmoid

    public func forward(_ x: Tensor) -> Tensor {
        var y = x
        switch self {
        case .relu: for i in y.values.indices { y.values[i] = max(0, x.values[i]) }
        case .leakyReLU(let a): for i in y.values.indices { let v = x.values[i]; y.values[i] = v > 0 ? v : a * v }
        case .tanh: for i in y.values.indices { y.values[i] = Foundation.tanh(x.values[i]) }
        case .sigmoid: for i in y.values.indices { y.values[i] = Self.logistic(x.values[i]) }
        }
        return y
    }

    /// dL/dx from dL/dy; `x` is the forward pass's input.
    public func backward(_ x: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        guard x.shape == dy.shape else { throw NeuralError(.shape, "gradient \(dy.shape) does not match input \(x.shape)") }
        var dx = dy
        switch self {
        case .relu: for i in dx.values.indices where x.values[i] <= 0 { dx.values[i] = 0 }
        case .leakyReLU(let a): for i in dx.values.indices where x.values[i] <= 0 { dx.values[i] *= a }
        case .tanh: for i in dx.values.indices { let t = Foundation.tanh(x.values[i]); dx.values[i] *= 1 - t * t }
        case .sigmoid: for i in dx.values.indices { let s = Self.logistic(x.values[i]); dx.values[i] *= s * (1 - s) }
        }
        return dx
    }

    /// 1 / (1 + e^−x), written so neither branch overflows.
    static func logistic(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x))
    }
}

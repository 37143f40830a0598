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
        x.values.withUnsafeBufferPointer { xp in
            y.values.withUnsafeMutableBufferPointer { yp in
                Self.inHalves(xp.count) { range in
                    switch self {
                    case .relu: for i in range { yp[i] = max(0, xp[i]) }
                    case .leakyReLU(let a):
                        for i in range {
                            let v = xp[i]
                            yp[i] = v > 0 ? v : a * v
                        }
                    case .tanh: for i in range { yp[i] = Foundation.tanh(xp[i]) }
                    case .sigmoid: for i in range { yp[i] = Self.logistic(xp[i]) }
                    }
                }
            }
        }
        return y
    }

    /// dL/dx from dL/dy; `x` is the forward pass's input.
    public func backward(_ x: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        try backward(input: x, output: self == .tanh || self == .sigmoid ? forward(x) : x, outputGradient: dy)
    }

    /// dL/dx from dL/dy given the forward pass's input x and output y: the ReLUs read x, tanh and
    /// the sigmoid read y (1 − y², y·(1 − y)), so nothing is evaluated twice.
    public func backward(input x: Tensor, output y: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        guard x.shape == dy.shape, y.shape == dy.shape else {
            throw NeuralError(.shape, "gradient \(dy.shape) does not match input \(x.shape)")
        }
        var dx = dy
        x.values.withUnsafeBufferPointer { xp in
            y.values.withUnsafeBufferPointer { yp in
                dx.values.withUnsafeMutableBufferPointer { dp in
                    switch self {
                    case .relu: Self.update(dp, reading: xp) { d, x in d.replacing(with: 0, where: x .<= 0) }
                    case .leakyReLU(let a):
                        Self.update(dp, reading: xp) { d, x in d.replacing(with: d * a, where: x .<= 0) }
                    case .tanh: Self.update(dp, reading: yp) { d, y in d * (1 - y * y) }
                    case .sigmoid: Self.update(dp, reading: yp) { d, y in d * y * (1 - y) }
                    }
                }
            }
        }
        return dx
    }

    /// d[i] = f(d[i], v[i]) eight lanes at a time (explicit vectors: written as a plain loop over
    /// buffer pointers the compiler left these scalar), the tail as one-lane vectors.
    @inline(__always)
    private static func update(
        _ d: UnsafeMutableBufferPointer<Float>, reading v: UnsafeBufferPointer<Float>,
        _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>
    ) {
        guard let dBase = d.baseAddress, let vBase = v.baseAddress else { return }
        let (out, source) = (UnsafeMutableRawPointer(dBase), UnsafeRawPointer(vBase))
        inHalves(d.count) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let r = f(
                    out.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self),
                    source.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
                out.storeBytes(of: r, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < range.upperBound {
                d[i] = f(SIMD8(repeating: d[i]), SIMD8(repeating: v[i]))[0]
                i += 1
            }
        }
    }

    /// Runs body over 0..<count in two halves on the two cores when count is large (element-wise
    /// work: the split does not change a single result).
    @inline(__always)
    private static func inHalves(_ count: Int, _ body: (Range<Int>) -> Void) {
        let lanes = count >= 1 << 16 ? Lanes.count : 1
        // Halves on 8-element boundaries, so the vector loops above see the same chunks either way.
        Lanes.run(lanes) { lane in
            body(((count * lane / lanes) & ~7)..<(lane == lanes - 1 ? count : (count * (lane + 1) / lanes) & ~7))
        }
    }

    /// 1 / (1 + e^−x), written so neither branch overflows.
    static func logistic(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x))
    }
}

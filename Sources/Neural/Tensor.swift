/// A dense float32 tensor, row-major (for images NCHW: batch, channels, height, width), with its
/// shape checked at construction. A value type: copies share storage until written.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public var values: [Float]

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        values = Array(repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of `shape` holding `values` in row-major order; throws when the counts differ.
    public init(shape: [Int], values: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw NeuralError(.shape, "negative dimension in \(shape)") }
        let count = shape.reduce(1, *)
        guard values.count == count else {
            throw NeuralError(.shape, "shape \(shape) holds \(count) values", reason: "got \(values.count)")
        }
        self.shape = shape
        self.values = values
    }

    public var count: Int { values.count }
    public var rank: Int { shape.count }

    /// The same values under another shape of the same count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, values: values)
    }

    /// Element (n, c, y, x) of a rank-4 NCHW tensor.
    @inlinable public subscript(n: Int, c: Int, y: Int, x: Int) -> Float {
        get { values[((n * shape[1] + c) * shape[2] + y) * shape[3] + x] }
        set { values[((n * shape[1] + c) * shape[2] + y) * shape[3] + x] = newValue }
    }
}

extension Tensor {
    /// Adds bias[c] to every value of channel c of this [N, C, H, W] tensor.
    mutating func addChannelBias(_ bias: Tensor) {
        let (n, c) = (shape[0], shape[1])
        let plane = shape[2] * shape[3]
        for b in 0..<n {
            for k in 0..<c {
                let base = (b * c + k) * plane
                for i in 0..<plane { values[base + i] += bias.values[k] }
            }
        }
    }

    /// Per channel, the sum over batch and space of this [N, C, H, W] tensor (a bias's gradient).
    func channelSums() -> Tensor {
        let (n, c) = (shape[0], shape[1])
        let plane = shape[2] * shape[3]
        var sums = Tensor(shape: [c])
        for b in 0..<n {
            for k in 0..<c {
                let base = (b * c + k) * plane
                var sum: Float = 0
                for i in 0..<plane { sum += values[base + i] }
                sums.values[k] += sum
            }
        }
        return sums
    }
}

/// A fully connected layer: y [N, out] = x [N, in] · Wᵀ + b, W [out, in] (PyTorch's `Linear`).
public enum Dense {
    public static func forward(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let (n, out, inputs) = try check(x, weight)
        if let bias, bias.shape != [out] {
            throw NeuralError(.shape, "bias must be [\(out)]", reason: "got \(bias.shape)")
        }
        var y = Tensor(shape: [n, out])
        if let bias { for r in 0..<n { for o in 0..<out { y.values[r * out + o] = bias.values[o] } } }
        x.values.withUnsafeBufferPointer { xp in
            weight.values.withUnsafeBufferPointer { wp in
                y.values.withUnsafeMutableBufferPointer { yp in
                    Matrix.multiply(
                        transposeB: true, m: n, n: out, k: inputs, a: xp.baseAddress!, lda: inputs, b: wp.baseAddress!,
                        ldb: inputs,
                        beta: 1, c: yp.baseAddress!, ldc: out)
                }
            }
        }
        return y
    }

    /// dx = dy·W, dW = dyᵀ·x, db = Σ dy over the batch.
    public static func backward(_ x: Tensor, weight: Tensor, outputGradient dy: Tensor) throws -> (
        input: Tensor, weight: Tensor, bias: Tensor
    ) {
        let (n, out, inputs) = try check(x, weight)
        guard dy.shape == [n, out] else {
            throw NeuralError(.shape, "gradient must be [\(n), \(out)]", reason: "got \(dy.shape)")
        }
        var dx = Tensor(shape: x.shape)
        var dw = Tensor(shape: weight.shape)
        var db = Tensor(shape: [out])
        dy.values.withUnsafeBufferPointer { gp in
            weight.values.withUnsafeBufferPointer { wp in
                dx.values.withUnsafeMutableBufferPointer { dxp in
                    Matrix.multiply(
                        m: n, n: inputs, k: out, a: gp.baseAddress!, lda: out, b: wp.baseAddress!, ldb: inputs,
                        c: dxp.baseAddress!, ldc: inputs)
                }
            }
            x.values.withUnsafeBufferPointer { xp in
                dw.values.withUnsafeMutableBufferPointer { dwp in
                    Matrix.multiply(
                        transposeA: true, m: out, n: inputs, k: n, a: gp.baseAddress!, lda: out, b: xp.baseAddress!,
                        ldb: inputs,
                        c: dwp.baseAddress!, ldc: inputs)
                }
            }
        }
        for r in 0..<n { for o in 0..<out { db.values[o] += dy.values[r * out + o] } }
        return (dx, dw, db)
    }

    private static func check(_ x: Tensor, _ weight: Tensor) throws -> (Int, Int, Int) {
        guard x.rank == 2, weight.rank == 2, weight.shape[1] == x.shape[1] else {
            throw NeuralError(
                .shape, "dense layer needs x [N, in] and W [out, in]", reason: "got \(x.shape) and \(weight.shape)")
        }
        return (x.shape[0], weight.shape[0], x.shape[1])
    }
}

/// 2-D transposed convolution (PyTorch's `ConvTranspose2d`; the U-Net's up-sampling layers): the
/// adjoint of `Convolution` in its input. Weight [in, out / groups, kh, kw]; output side
/// (H − 1)·stride − 2·padding + dilation·(k − 1) + 1. Computed with the same im2col machinery:
/// forward is Wᵀ·x scattered by col2im, so it costs what a convolution's backward pass costs.
public enum TransposedConvolution {
    /// The convolution this one is the transpose of (from the output back to the input).
    static func adjoint(_ s: ConvolutionShape) -> ConvolutionShape {
        ConvolutionShape(inputChannels: s.outputChannels, outputChannels: s.inputChannels, kernel: s.kernel.height,
                         stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups)
    }

    /// Output height and width for an input of height × width.
    public static func outputSize(_ s: ConvolutionShape, height: Int, width: Int) -> (height: Int, width: Int) {
        ((height - 1) * s.stride - 2 * s.padding + s.dilation * (s.kernel.height - 1) + 1,
         (width - 1) * s.stride - 2 * s.padding + s.dilation * (s.kernel.width - 1) + 1)
    }

    /// The weight's shape: [in, out / groups, kh, kw].
    public static func weightShape(_ s: ConvolutionShape) -> [Int] {
        [s.inputChannels, s.outputChannels / s.groups, s.kernel.height, s.kernel.width]
    }

    private static func check(_ input: Tensor, _ weight: Tensor, _ s: ConvolutionShape) throws -> (height: Int, width: Int) {
        guard s.inputChannels % s.groups == 0, s.outputChannels % s.groups == 0, s.stride > 0, s.dilation > 0, s.padding >= 0 else {
            throw NeuralError(.shape, "transposed convolution \(s.inputChannels)→\(s.outputChannels) cannot have \(s.groups) groups")
        }
        guard input.rank == 4, input.shape[1] == s.inputChannels else {
            throw NeuralError(.shape, "transposed convolution input must be [N, \(s.inputChannels), H, W]", cause: "got \(input.shape)")
        }
        guard weight.shape == weightShape(s) else {
            throw NeuralError(.shape, "transposed convolution weight must be \(weightShape(s))", cause: "got \(weight.shape)")
        }
        let out = outputSize(s, height: input.shape[2], width: input.shape[3])
        guard out.height > 0, out.width > 0 else { throw NeuralError(.shape, "padding \(s.padding) leaves no output") }
        return out
    }

    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, shape s: ConvolutionShape) throws -> Tensor {
        let (ho, wo) = try check(input, weight, s)
        if let bias, bias.shape != [s.outputChannels] { throw NeuralError(.shape, "bias must be [\(s.outputChannels)]", cause: "got \(bias.shape)") }
        let conv = adjoint(s)
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let ig = s.inputChannels / s.groups, og = s.outputChannels / s.groups, rows = og * s.kernel.height * s.kernel.width
        var output = Tensor(shape: [n, s.outputChannels, ho, wo])
        var columns = [Float](repeating: 0, count: rows * h * w)
        for b in 0..<n {
            for g in 0..<s.groups {
                // patches (og·kh·kw × H·W) = W[g]ᵀ · x[g]
                weight.values.withUnsafeBufferPointer { wp in
                    input.values.withUnsafeBufferPointer { xp in
                        columns.withUnsafeMutableBufferPointer { cp in
                            Matrix.multiply(transposeA: true, m: rows, n: h * w, k: ig, a: wp.baseAddress! + g * ig * rows, lda: rows,
                                            b: xp.baseAddress! + (b * s.inputChannels + g * ig) * h * w, ldb: h * w, c: cp.baseAddress!, ldc: h * w)
                        }
                    }
                }
                Convolution.col2im(columns, sample: b, firstChannel: g * og, shape: conv, into: &output)
            }
        }
        if let bias { output.addChannelBias(bias) }
        return output
    }

    public static func backward(_ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape) throws
        -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let (ho, wo) = try check(input, weight, s)
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        guard outputGradient.shape == [n, s.outputChannels, ho, wo] else {
            throw NeuralError(.shape, "output gradient must be \([n, s.outputChannels, ho, wo])", cause: "got \(outputGradient.shape)")
        }
        let conv = adjoint(s)
        let ig = s.inputChannels / s.groups, og = s.outputChannels / s.groups, rows = og * s.kernel.height * s.kernel.width
        var gradInput = Tensor(shape: input.shape), gradWeight = Tensor(shape: weight.shape)
        var columns = [Float](repeating: 0, count: rows * h * w)
        for b in 0..<n {
            for g in 0..<s.groups {
                // patches of dY, laid out as the forward pass scattered them.
                Convolution.im2col(outputGradient, sample: b, firstChannel: g * og, shape: conv, into: &columns)
                let inputOffset = (b * s.inputChannels + g * ig) * h * w
                columns.withUnsafeBufferPointer { cp in
                    weight.values.withUnsafeBufferPointer { wp in
                        gradInput.values.withUnsafeMutableBufferPointer { dx in
                            // dx[g] = W[g] · patches
                            Matrix.multiply(m: ig, n: h * w, k: rows, a: wp.baseAddress! + g * ig * rows, lda: rows,
                                            b: cp.baseAddress!, ldb: h * w, c: dx.baseAddress! + inputOffset, ldc: h * w)
                        }
                    }
                    input.values.withUnsafeBufferPointer { xp in
                        gradWeight.values.withUnsafeMutableBufferPointer { dw in
                            // dW[g] += x[g] · patchesᵀ
                            Matrix.multiply(transposeB: true, m: ig, n: rows, k: h * w, a: xp.baseAddress! + inputOffset, lda: h * w,
                                            b: cp.baseAddress!, ldb: h * w, beta: 1, c: dw.baseAddress! + g * ig * rows, ldc: rows)
                        }
                    }
                }
            }
        }
        return (gradInput, gradWeight, outputGradient.channelSums())
    }
}

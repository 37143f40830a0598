/// 2-D transposed convolution (PyTorch's `ConvTranspose2d`; the U-Net's up-sampling layers): the
/// adjoint of `Convolution` in its input. Weight [in, out / groups, kh, kw]; output side
/// (H − 1)·stride − 2·padding + dilation·(k − 1) + 1. Computed as the adjoint convolution (this
/// layer's output side as its input) with input and output exchanged: forward is that
/// convolution's input gradient (Wᵀ·x scattered by col2im), backward its forward product for dx
/// and its weight gradient for dW. The weight layouts coincide, so nothing is rearranged.
public enum TransposedConvolution {
    /// The convolution this one is the transpose of (from the output back to the input).
    static func adjoint(_ s: ConvolutionShape) -> ConvolutionShape {
        ConvolutionShape(
            inputChannels: s.outputChannels, outputChannels: s.inputChannels, kernel: s.kernel.height,
            stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups)
    }

    /// Output height and width for an input of height × width.
    public static func outputSize(_ s: ConvolutionShape, height: Int, width: Int) -> (height: Int, width: Int) {
        (
            (height - 1) * s.stride - 2 * s.padding + s.dilation * (s.kernel.height - 1) + 1,
            (width - 1) * s.stride - 2 * s.padding + s.dilation * (s.kernel.width - 1) + 1
        )
    }

    /// The weight's shape: [in, out / groups, kh, kw].
    public static func weightShape(_ s: ConvolutionShape) -> [Int] {
        [s.inputChannels, s.outputChannels / s.groups, s.kernel.height, s.kernel.width]
    }

    private static func check(_ input: Tensor, _ weight: Tensor, _ s: ConvolutionShape) throws -> (
        height: Int, width: Int
    ) {
        guard s.inputChannels % s.groups == 0, s.outputChannels % s.groups == 0, s.stride > 0, s.dilation > 0,
            s.padding >= 0
        else {
            throw NeuralError(
                .shape, "transposed convolution \(s.inputChannels)→\(s.outputChannels) cannot have \(s.groups) groups")
        }
        guard input.rank == 4, input.shape[1] == s.inputChannels else {
            throw NeuralError(
                .shape, "transposed convolution input must be [N, \(s.inputChannels), H, W]",
                reason: "got \(input.shape)")
        }
        guard weight.shape == weightShape(s) else {
            throw NeuralError(
                .shape, "transposed convolution weight must be \(weightShape(s))", reason: "got \(weight.shape)")
        }
        let out = outputSize(s, height: input.shape[2], width: input.shape[3])
        guard out.height > 0, out.width > 0 else { throw NeuralError(.shape, "padding \(s.padding) leaves no output") }
        return out
    }

    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, shape s: ConvolutionShape) throws
        -> Tensor
    {
        let (ho, wo) = try check(input, weight, s)
        try s.check(bias: bias)
        // The adjoint convolution's input gradient, with x in the role of its output gradient.
        var output = Convolution.inputGradient(
            input, weight: weight, shape: adjoint(s), inputShape: [input.shape[0], s.outputChannels, ho, wo])
        if let bias { output.addChannelBias(bias) }
        return output
    }

    public static func backward(_ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape)
        throws
        -> (input: Tensor, weight: Tensor, bias: Tensor)
    {
        var gradWeight = Tensor(shape: weight.shape)
        let g = try backward(
            input, weight: weight, outputGradient: outputGradient, shape: s, addingWeightGradientTo: &gradWeight)
        return (g.input, gradWeight, g.bias)
    }

    /// As `backward`, adding the weight's gradient onto `gradWeight` in place.
    static func backward(
        _ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape,
        addingWeightGradientTo gradWeight: inout Tensor
    ) throws -> (input: Tensor, bias: Tensor) {
        let (ho, wo) = try check(input, weight, s)
        try ConvolutionShape.check(
            outputGradient: outputGradient, expected: [input.shape[0], s.outputChannels, ho, wo],
            weightGradient: gradWeight, weight: weight)
        // dx is the adjoint convolution of dY; dW its weight gradient with dY as input and x as output gradient.
        Convolution.addWeightGradient(input: outputGradient, outputGradient: input, shape: adjoint(s), to: &gradWeight)
        return (Convolution.product(outputGradient, weight: weight, shape: adjoint(s)), outputGradient.channelSums())
    }
}

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
        let n = input.shape[0]
        let ig = s.inputChannels / s.groups, og = s.outputChannels / s.groups
        // The output's patch matrix under the adjoint convolution: its grid is the input's H × W.
        let plan = TilePlan(Patches(adjoint(s), channels: og, height: ho, width: wo), otherDimension: ig)
        let (rows, positions) = (plan.rows, plan.positions)
        var output = Tensor(shape: [n, s.outputChannels, ho, wo])
        Tensor.withPointers([input, weight], &output) { read, op in
            for b in 0..<n {
                for g in 0..<s.groups {
                    let x = read[0] + (b * s.inputChannels + g * ig) * positions, weights = read[1] + g * ig * rows
                    let out = op + (b * s.outputChannels + g * og) * ho * wo
                    Lanes.accumulate(into: [(out, og * ho * wo)], lanes: plan.lanes, firstSlot: 2) { lane, sums in
                        let block = Workspace.current.buffer(1, count: plan.tileFloats)
                        for tile in plan.tiles(lane: lane) {
                            // patches (og·kh·kw × tile) = W[g]ᵀ · x[g][:, tile], scattered onto the output.
                            Matrix.multiply(transposeA: true, m: rows, n: tile.count, k: ig, a: weights, lda: rows,
                                            b: x + tile.lowerBound, ldb: positions, c: block, ldc: tile.count, parallel: plan.parallelProducts)
                            plan.patches.scatterAdd(block, tile: tile, channels: 0..<og, into: sums[0])
                        }
                    }
                }
            }
        }
        if let bias { output.addChannelBias(bias) }
        return output
    }

    public static func backward(_ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape) throws
        -> (input: Tensor, weight: Tensor, bias: Tensor) {
        var gradWeight = Tensor(shape: weight.shape)
        let g = try backward(input, weight: weight, outputGradient: outputGradient, shape: s, addingWeightGradientTo: &gradWeight)
        return (g.input, gradWeight, g.bias)
    }

    /// As `backward`, adding the weight's gradient onto `gradWeight` in place.
    static func backward(_ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape,
                         addingWeightGradientTo gradWeight: inout Tensor) throws -> (input: Tensor, bias: Tensor) {
        let (ho, wo) = try check(input, weight, s)
        let n = input.shape[0]
        guard outputGradient.shape == [n, s.outputChannels, ho, wo] else {
            throw NeuralError(.shape, "output gradient must be \([n, s.outputChannels, ho, wo])", cause: "got \(outputGradient.shape)")
        }
        guard gradWeight.shape == weight.shape else { throw NeuralError(.shape, "weight gradient must be \(weight.shape)", cause: "got \(gradWeight.shape)") }
        let ig = s.inputChannels / s.groups, og = s.outputChannels / s.groups
        let plan = TilePlan(Patches(adjoint(s), channels: og, height: ho, width: wo), otherDimension: ig)
        let (rows, positions) = (plan.rows, plan.positions)
        var gradInput = Tensor(shape: input.shape)
        Tensor.withPointers([input, weight, outputGradient], &gradInput, &gradWeight) { read, dxp, dwp in
            for b in 0..<n {
                for g in 0..<s.groups {
                    let offset = (b * s.inputChannels + g * ig) * positions
                    let x = read[0] + offset, dx = dxp + offset
                    let weights = read[1] + g * ig * rows, dw = dwp + g * ig * rows
                    let dy = read[2] + (b * s.outputChannels + g * og) * ho * wo
                    Lanes.accumulate(into: [(dw, ig * rows)], lanes: plan.lanes, firstSlot: 2) { lane, sums in
                        let block = Workspace.current.buffer(0, count: plan.tileFloats)
                        for tile in plan.tiles(lane: lane) {
                            // patches of dY, laid out as the forward pass scattered them:
                            // dx[g][:, tile] = W[g] · patches; dW[g] += x[g][:, tile] · patchesᵀ.
                            let (p, ldp) = plan.patches.block(dy, tile: tile, scratch: block)
                            Matrix.multiply(m: ig, n: tile.count, k: rows, a: weights, lda: rows, b: p, ldb: ldp,
                                            c: dx + tile.lowerBound, ldc: positions, parallel: plan.parallelProducts)
                            Matrix.multiply(transposeB: true, m: ig, n: rows, k: tile.count, a: x + tile.lowerBound, lda: positions,
                                            b: p, ldb: ldp, beta: 1, c: sums[0], ldc: rows, parallel: plan.parallelProducts)
                        }
                    }
                }
            }
        }
        return (gradInput, outputGradient.channelSums())
    }
}

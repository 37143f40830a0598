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
        let patches = Patches(adjoint(s), channels: og, height: ho, width: wo)
        let (rows, positions) = (patches.rows, patches.positions)
        var output = Tensor(shape: [n, s.outputChannels, ho, wo])
        Tensor.withPointers([input, weight], &output) { read, op in
            for chunk in sampleChunks(n, groups: s.groups) {
                let plan = TilePlan(patches, samples: chunk.count, otherDimension: ig)
                for g in 0..<s.groups {
                    let xOf = { (b: Int) in read[0] + ((chunk.lowerBound + b) * s.inputChannels + g * ig) * positions }
                    let weights = read[1] + g * ig * rows
                    let out = op + (chunk.lowerBound * s.outputChannels + g * og) * ho * wo
                    Lanes.accumulate(into: [(out, chunk.count * og * ho * wo)], lanes: plan.lanes, firstSlot: 3) { lane, sums in
                        let outOf = { (b: Int) in sums[0] + b * s.outputChannels * ho * wo }
                        let block = Workspace.current.buffer(1, count: plan.tileFloats)
                        let xScratch = Workspace.current.buffer(2, count: ig * plan.width)
                        for tile in plan.tiles(lane: lane) {
                            // patches (og·kh·kw × tile) = W[g]ᵀ · x[g][:, tile], scattered onto the output.
                            let (x, ldx) = plan.columns(ig, of: xOf, tile: tile, scratch: xScratch)
                            Matrix.multiply(transposeA: true, m: rows, n: tile.count, k: ig, a: weights, lda: rows,
                                            b: x, ldb: ldx, c: block, ldc: tile.count, parallel: plan.parallelProducts)
                            plan.scatterAdd(block, tile: tile, into: outOf)
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
        let patches = Patches(adjoint(s), channels: og, height: ho, width: wo)
        let (rows, positions) = (patches.rows, patches.positions)
        var gradInput = Tensor(shape: input.shape)
        Tensor.withPointers([input, weight, outputGradient], &gradInput, &gradWeight) { read, dxp, dwp in
            for chunk in sampleChunks(n, groups: s.groups) {
                let plan = TilePlan(patches, samples: chunk.count, otherDimension: ig)
                for g in 0..<s.groups {
                    let offset = { (b: Int) in ((chunk.lowerBound + b) * s.inputChannels + g * ig) * positions }
                    let xOf = { (b: Int) in read[0] + offset(b) }, dxOf = { (b: Int) in dxp + offset(b) }
                    let dyOf = { (b: Int) in read[2] + ((chunk.lowerBound + b) * s.outputChannels + g * og) * ho * wo }
                    let weights = read[1] + g * ig * rows, dw = dwp + g * ig * rows
                    Lanes.accumulate(into: [(dw, ig * rows)], lanes: plan.lanes, firstSlot: 3) { lane, sums in
                        let block = Workspace.current.buffer(0, count: plan.tileFloats)
                        let result = Workspace.current.buffer(1, count: ig * plan.width)
                        let xScratch = Workspace.current.buffer(2, count: ig * plan.width)
                        for tile in plan.tiles(lane: lane) {
                            // patches of dY, laid out as the forward pass scattered them:
                            // dx[g][:, tile] = W[g] · patches; dW[g] += x[g][:, tile] · patchesᵀ.
                            let (p, ldp) = plan.patchBlock(dyOf, tile: tile, scratch: block)
                            let dx = plan.output(ig, of: dxOf, tile: tile, scratch: result)
                            Matrix.multiply(m: ig, n: tile.count, k: rows, a: weights, lda: rows, b: p, ldb: ldp,
                                            c: dx.pointer, ldc: dx.stride, parallel: plan.parallelProducts)
                            dx.finish()
                            let (x, ldx) = plan.columns(ig, of: xOf, tile: tile, scratch: xScratch)
                            Matrix.multiply(transposeB: true, m: ig, n: rows, k: tile.count, a: x, lda: ldx, b: p, ldb: ldp,
                                            beta: 1, c: sums[0], ldc: rows, parallel: plan.parallelProducts)
                        }
                    }
                }
            }
        }
        return (gradInput, outputGradient.channelSums())
    }
}

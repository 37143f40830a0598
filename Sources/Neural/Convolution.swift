/// The shape of a 2-D convolution: kernel, stride, zero padding, dilation and groups (depthwise
/// when groups = input channels), as PyTorch's `Conv2d` defines them.
public struct ConvolutionShape: Sendable, Equatable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernel: (height: Int, width: Int)
    public var stride = 1
    public var padding = 0
    public var dilation = 1
    public var groups = 1

    public init(
        inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        groups: Int = 1
    ) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernel = (kernel, kernel)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.inputChannels == b.inputChannels && a.outputChannels == b.outputChannels && a.kernel == b.kernel
            && a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation && a.groups == b.groups
    }

    /// The weight tensor's shape: [out, in / groups, kh, kw].
    public var weightShape: [Int] { [outputChannels, inputChannels / groups, kernel.height, kernel.width] }

    /// Output height and width for an input of height × width.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (
            (height + 2 * padding - dilation * (kernel.height - 1) - 1) / stride + 1,
            (width + 2 * padding - dilation * (kernel.width - 1) - 1) / stride + 1
        )
    }

    func check(input: Tensor, weight: Tensor) throws {
        guard inputChannels % groups == 0, outputChannels % groups == 0, stride > 0, dilation > 0, padding >= 0 else {
            throw NeuralError(
                .shape,
                "convolution \(inputChannels)→\(outputChannels) cannot have \(groups) groups, stride \(stride), dilation \(dilation), padding \(padding)"
            )
        }
        guard input.rank == 4, input.shape[1] == inputChannels else {
            throw NeuralError(
                .shape, "convolution input must be [N, \(inputChannels), H, W]", reason: "got \(input.shape)")
        }
        guard weight.shape == weightShape else {
            throw NeuralError(.shape, "convolution weight must be \(weightShape)", reason: "got \(weight.shape)")
        }
        let out = outputSize(height: input.shape[2], width: input.shape[3])
        guard out.height > 0, out.width > 0 else {
            throw NeuralError(.shape, "input \(input.shape[2])×\(input.shape[3]) is smaller than the kernel's reach")
        }
    }
}

extension ConvolutionShape {
    /// A bias, if given, has one value per output channel.
    func check(bias: Tensor?) throws {
        if let bias, bias.shape != [outputChannels] {
            throw NeuralError(.shape, "bias must be [\(outputChannels)]", reason: "got \(bias.shape)")
        }
    }

    /// A backward pass's gradients have the output's and the weight's shapes.
    static func check(outputGradient: Tensor, expected: [Int], weightGradient: Tensor, weight: Tensor) throws {
        guard outputGradient.shape == expected else {
            throw NeuralError(.shape, "output gradient must be \(expected)", reason: "got \(outputGradient.shape)")
        }
        guard weightGradient.shape == weight.shape else {
            throw NeuralError(.shape, "weight gradient must be \(weight.shape)", reason: "got \(weightGradient.shape)")
        }
    }
}

/// 2-D convolution through im2col and the one matrix product: per sample and group, the input
/// patches form a (C/g·kh·kw) × (Ho·Wo) matrix and the output is weight × patches. The patch
/// matrix is built and multiplied in tiles of output positions (`Patches`, `Lanes`): a tile
/// stays in cache between the copy and the product, the two cores take alternate tiles, and
/// the tile memory is the thread's reused `Workspace`, never a per-call allocation.
public enum Convolution {
    /// [N, out, Ho, Wo] = input [N, in, H, W] ⋆ weight (+ bias [out]).
    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, shape s: ConvolutionShape) throws
        -> Tensor
    {
        var output = Tensor(shape: [])
        try forward(input, weight: weight, bias: bias, shape: s, into: &output)
        return output
    }

    /// As `forward`, writing into `output`, whose storage is reused when it already has the
    /// result's shape: for inference that runs the same network on image after image.
    /// With `rectifying`, max(0, ·) is applied too. Bias and rectifier are applied to each tile
    /// of the product while it is still in cache, not in passes over the whole output.
    public static func forward(
        _ input: Tensor, weight: Tensor, bias: Tensor?, shape s: ConvolutionShape, into output: inout Tensor,
        rectifying: Bool = false
    ) throws {
        try s.check(input: input, weight: weight)
        try s.check(bias: bias)
        let epilogue = Epilogue(
            bias: bias?.values ?? [Float](repeating: 0, count: s.outputChannels), rectify: rectifying)
        product(input, weight: weight, shape: s, into: &output, epilogue: bias == nil && !rectifying ? nil : epilogue)
    }

    /// What a forward pass applies to each tile of its product: a per-channel bias, then
    /// optionally a rectifier.
    struct Epilogue {
        let bias: [Float]
        let rectify: Bool

        /// Applies to `rows` channels from `firstChannel`, each `count` values at `stride`.
        func apply(_ c: UnsafeMutablePointer<Float>, stride: Int, rows: Int, count: Int, firstChannel: Int) {
            for r in 0..<rows {
                let b = bias[firstChannel + r]
                let row = c + r * stride
                if rectify {
                    for j in 0..<count { row[j] = max(0, row[j] + b) }
                } else {
                    for j in 0..<count { row[j] += b }
                }
            }
        }
    }

    /// Gradients of a loss with respect to the input, the weight and the bias, given its gradient
    /// with respect to the output.
    public static func backward(_ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape)
        throws
        -> (input: Tensor, weight: Tensor, bias: Tensor)
    {
        var gradWeight = Tensor(shape: weight.shape)
        let g = try backward(
            input, weight: weight, outputGradient: outputGradient, shape: s, addingWeightGradientTo: &gradWeight)
        return (g.input, gradWeight, g.bias)
    }

    /// As `backward`, but adds the weight's gradient onto `gradWeight` in place (a layer's
    /// running sum), so training allocates no weight-sized tensor per step.
    static func backward(
        _ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape,
        addingWeightGradientTo gradWeight: inout Tensor
    ) throws -> (input: Tensor, bias: Tensor) {
        try s.check(input: input, weight: weight)
        let (ho, wo) = s.outputSize(height: input.shape[2], width: input.shape[3])
        try ConvolutionShape.check(
            outputGradient: outputGradient, expected: [input.shape[0], s.outputChannels, ho, wo],
            weightGradient: gradWeight, weight: weight)
        addWeightGradient(input: input, outputGradient: outputGradient, shape: s, to: &gradWeight)
        return (
            inputGradient(outputGradient, weight: weight, shape: s, inputShape: input.shape),
            outputGradient.channelSums()
        )
    }

    // MARK: The three products (shapes already checked). A transposed convolution is these with
    // the roles of input and output exchanged (`TransposedConvolution`).

    /// y = W ⋆ x: per tile, patches of x, then W[g] · patches.
    static func product(_ input: Tensor, weight: Tensor, shape s: ConvolutionShape) -> Tensor {
        var output = Tensor(shape: [])
        product(input, weight: weight, shape: s, into: &output)
        return output
    }

    /// y = W ⋆ x into `output` (every value written; storage reused when the shape matches).
    static func product(
        _ input: Tensor, weight: Tensor, shape s: ConvolutionShape, into output: inout Tensor, epilogue: Epilogue? = nil
    ) {
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let cg = s.inputChannels / s.groups
        let og = s.outputChannels / s.groups
        let patches = Patches(s, channels: cg, height: h, width: w)
        let (rows, positions) = (patches.rows, patches.positions)
        let outputShape = [n, s.outputChannels, patches.outputHeight, patches.outputWidth]
        if output.shape != outputShape { output = Tensor(shape: outputShape) }
        Tensor.withPointers([input, weight], &output) { read, op in
            for chunk in sampleChunks(n, groups: s.groups) {
                let plan = TilePlan(patches, samples: chunk.count, otherDimension: og)
                for g in 0..<s.groups {
                    let image = { (b: Int) in read[0] + ((chunk.lowerBound + b) * s.inputChannels + g * cg) * h * w }
                    let out = { (b: Int) in op + ((chunk.lowerBound + b) * s.outputChannels + g * og) * positions }
                    let weights = read[1] + g * og * rows
                    Lanes.run(plan.lanes) { lane in
                        let block = Workspace.current.buffer(0, count: plan.tileFloats)
                        let result = Workspace.current.buffer(1, count: og * plan.width)
                        for tile in plan.tiles(lane: lane) {
                            let (b, ldb) = plan.patchBlock(image, tile: tile, scratch: block)
                            let c = plan.output(og, of: out, tile: tile, scratch: result)
                            Matrix.multiply(
                                m: og, n: tile.count, k: rows, a: weights, lda: rows, b: b, ldb: ldb,
                                c: c.pointer, ldc: c.stride, parallel: plan.parallelProducts)
                            epilogue?.apply(
                                c.pointer, stride: c.stride, rows: og, count: tile.count, firstChannel: g * og)
                            c.finish()
                        }
                    }
                }
            }
        }
    }

    /// dx for dy (of an input of `inputShape`): per tile, W[g]ᵀ · dy, scattered back onto the
    /// image by col2im (overlapping writes: private sums per extra lane).
    static func inputGradient(_ outputGradient: Tensor, weight: Tensor, shape s: ConvolutionShape, inputShape: [Int])
        -> Tensor
    {
        let (n, h, w) = (inputShape[0], inputShape[2], inputShape[3])
        let cg = s.inputChannels / s.groups
        let og = s.outputChannels / s.groups
        let patches = Patches(s, channels: cg, height: h, width: w)
        let (rows, positions) = (patches.rows, patches.positions)
        var gradInput = Tensor(shape: inputShape)
        Tensor.withPointers([weight, outputGradient], &gradInput) { read, dxp in
            for chunk in sampleChunks(n, groups: s.groups) {
                let plan = TilePlan(patches, samples: chunk.count, otherDimension: og)
                for g in 0..<s.groups {
                    let dyOf = { (b: Int) in read[1] + ((chunk.lowerBound + b) * s.outputChannels + g * og) * positions
                    }
                    let weights = read[0] + g * og * rows
                    // This chunk's part of dX is contiguous (one group, or one sample).
                    let dx = dxp + (chunk.lowerBound * s.inputChannels + g * cg) * h * w
                    Lanes.accumulate(into: [(dx, chunk.count * cg * h * w)], lanes: plan.lanes, firstSlot: 3) {
                        lane, sums in
                        let dxOf = { (b: Int) in sums[0] + b * s.inputChannels * h * w }
                        let blockGradient = Workspace.current.buffer(1, count: plan.tileFloats)
                        let dyScratch = Workspace.current.buffer(2, count: og * plan.width)
                        for tile in plan.tiles(lane: lane) {
                            let (dy, lddy) = plan.columns(og, of: dyOf, tile: tile, scratch: dyScratch)
                            Matrix.multiply(
                                transposeA: true, m: rows, n: tile.count, k: og, a: weights, lda: rows, b: dy,
                                ldb: lddy,
                                c: blockGradient, ldc: tile.count, parallel: plan.parallelProducts)
                            plan.scatterAdd(blockGradient, tile: tile, into: dxOf)
                        }
                    }
                }
            }
        }
        return gradInput
    }

    /// dW += dy · patches(x)ᵀ, per group, summed over tiles (private sums per extra lane).
    static func addWeightGradient(
        input: Tensor, outputGradient: Tensor, shape s: ConvolutionShape, to gradWeight: inout Tensor
    ) {
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let cg = s.inputChannels / s.groups
        let og = s.outputChannels / s.groups
        let patches = Patches(s, channels: cg, height: h, width: w)
        let (rows, positions) = (patches.rows, patches.positions)
        Tensor.withPointers([input, outputGradient], &gradWeight) { read, dwp in
            for chunk in sampleChunks(n, groups: s.groups) {
                let plan = TilePlan(patches, samples: chunk.count, otherDimension: og)
                for g in 0..<s.groups {
                    let image = { (b: Int) in read[0] + ((chunk.lowerBound + b) * s.inputChannels + g * cg) * h * w }
                    let dyOf = { (b: Int) in read[1] + ((chunk.lowerBound + b) * s.outputChannels + g * og) * positions
                    }
                    Lanes.accumulate(into: [(dwp + g * og * rows, og * rows)], lanes: plan.lanes, firstSlot: 3) {
                        lane, sums in
                        let block = Workspace.current.buffer(0, count: plan.tileFloats)
                        let dyScratch = Workspace.current.buffer(2, count: og * plan.width)
                        for tile in plan.tiles(lane: lane) {
                            let (p, ldp) = plan.patchBlock(image, tile: tile, scratch: block)
                            let (dy, lddy) = plan.columns(og, of: dyOf, tile: tile, scratch: dyScratch)
                            Matrix.multiply(
                                transposeB: true, m: og, n: rows, k: tile.count, a: dy, lda: lddy, b: p, ldb: ldp,
                                beta: 1, c: sums[0], ldc: rows, parallel: plan.parallelProducts)
                        }
                    }
                }
            }
        }
    }
}

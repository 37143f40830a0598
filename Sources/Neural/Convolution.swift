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

    public init(inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
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
        ((height + 2 * padding - dilation * (kernel.height - 1) - 1) / stride + 1,
         (width + 2 * padding - dilation * (kernel.width - 1) - 1) / stride + 1)
    }

    func check(input: Tensor, weight: Tensor) throws {
        guard inputChannels % groups == 0, outputChannels % groups == 0, stride > 0, dilation > 0, padding >= 0 else {
            throw NeuralError(.shape, "convolution \(inputChannels)→\(outputChannels) cannot have \(groups) groups, stride \(stride), dilation \(dilation), padding \(padding)")
        }
        guard input.rank == 4, input.shape[1] == inputChannels else {
            throw NeuralError(.shape, "convolution input must be [N, \(inputChannels), H, W]", cause: "got \(input.shape)")
        }
        guard weight.shape == weightShape else {
            throw NeuralError(.shape, "convolution weight must be \(weightShape)", cause: "got \(weight.shape)")
        }
        let out = outputSize(height: input.shape[2], width: input.shape[3])
        guard out.height > 0, out.width > 0 else {
            throw NeuralError(.shape, "input \(input.shape[2])×\(input.shape[3]) is smaller than the kernel's reach")
        }
    }
}

/// 2-D convolution through im2col and the one matrix product: per sample and group, the input
/// patches become a (C/g·kh·kw) × (Ho·Wo) matrix, and the output is weight × patches.
public enum Convolution {
    /// [N, out, Ho, Wo] = input [N, in, H, W] ⋆ weight (+ bias [out]).
    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, shape s: ConvolutionShape) throws -> Tensor {
        try s.check(input: input, weight: weight)
        if let bias, bias.shape != [s.outputChannels] { throw NeuralError(.shape, "bias must be [\(s.outputChannels)]", cause: "got \(bias.shape)") }
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (ho, wo) = s.outputSize(height: h, width: w)
        let cg = s.inputChannels / s.groups, og = s.outputChannels / s.groups, rows = cg * s.kernel.height * s.kernel.width
        var output = Tensor(shape: [n, s.outputChannels, ho, wo])
        var columns = [Float](repeating: 0, count: rows * ho * wo)
        for b in 0..<n {
            for g in 0..<s.groups {
                im2col(input, sample: b, firstChannel: g * cg, shape: s, into: &columns)
                weight.values.withUnsafeBufferPointer { wp in
                    columns.withUnsafeBufferPointer { cp in
                        output.values.withUnsafeMutableBufferPointer { op in
                            Matrix.multiply(m: og, n: ho * wo, k: rows, a: wp.baseAddress! + g * og * rows, lda: rows,
                                            b: cp.baseAddress!, ldb: ho * wo,
                                            c: op.baseAddress! + (b * s.outputChannels + g * og) * ho * wo, ldc: ho * wo)
                        }
                    }
                }
            }
        }
        if let bias { output.addChannelBias(bias) }
        return output
    }

    /// Gradients of a loss with respect to the input, the weight and the bias, given its gradient
    /// with respect to the output.
    public static func backward(_ input: Tensor, weight: Tensor, outputGradient: Tensor, shape s: ConvolutionShape) throws
        -> (input: Tensor, weight: Tensor, bias: Tensor) {
        try s.check(input: input, weight: weight)
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (ho, wo) = s.outputSize(height: h, width: w)
        guard outputGradient.shape == [n, s.outputChannels, ho, wo] else {
            throw NeuralError(.shape, "output gradient must be \([n, s.outputChannels, ho, wo])", cause: "got \(outputGradient.shape)")
        }
        let cg = s.inputChannels / s.groups, og = s.outputChannels / s.groups, rows = cg * s.kernel.height * s.kernel.width
        var gradInput = Tensor(shape: input.shape), gradWeight = Tensor(shape: weight.shape)
        var columns = [Float](repeating: 0, count: rows * ho * wo), columnGradient = columns
        for b in 0..<n {
            for g in 0..<s.groups {
                im2col(input, sample: b, firstChannel: g * cg, shape: s, into: &columns)
                let outputOffset = (b * s.outputChannels + g * og) * ho * wo
                outputGradient.values.withUnsafeBufferPointer { gp in
                    let dy = gp.baseAddress! + outputOffset
                    // dW[g] += dY · patchesᵀ; dPatches = W[g]ᵀ · dY.
                    columns.withUnsafeBufferPointer { cp in
                        gradWeight.values.withUnsafeMutableBufferPointer { dw in
                            Matrix.multiply(transposeB: true, m: og, n: rows, k: ho * wo, a: dy, lda: ho * wo, b: cp.baseAddress!, ldb: ho * wo,
                                            beta: 1, c: dw.baseAddress! + g * og * rows, ldc: rows)
                        }
                    }
                    weight.values.withUnsafeBufferPointer { wp in
                        columnGradient.withUnsafeMutableBufferPointer { dc in
                            Matrix.multiply(transposeA: true, m: rows, n: ho * wo, k: og, a: wp.baseAddress! + g * og * rows, lda: rows,
                                            b: dy, ldb: ho * wo, c: dc.baseAddress!, ldc: ho * wo)
                        }
                    }
                }
                col2im(columnGradient, sample: b, firstChannel: g * cg, shape: s, into: &gradInput)
            }
        }
        return (gradInput, gradWeight, outputGradient.channelSums())
    }

    /// Visits each (patch row, output position, input index or nil for padding) of one group.
    @inline(__always)
    private static func forEachTap(_ input: [Int], firstChannel: Int, shape s: ConvolutionShape,
                                   _ body: (_ row: Int, _ column: Int, _ source: Int?) -> Void) {
        let (h, w) = (input[2], input[3])
        let (ho, wo) = s.outputSize(height: h, width: w)
        let cg = s.inputChannels / s.groups
        for ci in 0..<cg {
            for ky in 0..<s.kernel.height {
                for kx in 0..<s.kernel.width {
                    let row = (ci * s.kernel.height + ky) * s.kernel.width + kx
                    for oy in 0..<ho {
                        let y = oy * s.stride - s.padding + ky * s.dilation
                        for ox in 0..<wo {
                            let x = ox * s.stride - s.padding + kx * s.dilation
                            let inside = y >= 0 && y < h && x >= 0 && x < w
                            body(row, oy * wo + ox, inside ? ((firstChannel + ci) * h + y) * w + x : nil)
                        }
                    }
                }
            }
        }
    }

    static func im2col(_ input: Tensor, sample b: Int, firstChannel: Int, shape s: ConvolutionShape, into columns: inout [Float]) {
        let plane = input.shape[1] * input.shape[2] * input.shape[3], offset = b * plane
        let (ho, wo) = s.outputSize(height: input.shape[2], width: input.shape[3])
        let width = ho * wo
        input.values.withUnsafeBufferPointer { src in
            columns.withUnsafeMutableBufferPointer { dst in
                forEachTap(input.shape, firstChannel: firstChannel, shape: s) { row, column, source in
                    dst[row * width + column] = source.map { src[offset + $0] } ?? 0
                }
            }
        }
    }

    static func col2im(_ columns: [Float], sample b: Int, firstChannel: Int, shape s: ConvolutionShape, into gradient: inout Tensor) {
        let shape = gradient.shape
        let plane = shape[1] * shape[2] * shape[3], offset = b * plane
        let (ho, wo) = s.outputSize(height: shape[2], width: shape[3])
        let width = ho * wo
        columns.withUnsafeBufferPointer { src in
            gradient.values.withUnsafeMutableBufferPointer { dst in
                forEachTap(shape, firstChannel: firstChannel, shape: s) { row, column, source in
                    if let source { dst[offset + source] += src[row * width + column] }
                }
            }
        }
    }
}

import Testing

@testable import Neural

/// A plain direct convolution in double precision: the reference the engine is checked against.
func referenceConvolution(_ x: [Double], _ xs: [Int], _ wt: [Double], _ b: [Double], _ s: ConvolutionShape) -> [Double]
{
    let (n, h, w) = (xs[0], xs[2], xs[3])
    let (ho, wo) = s.outputSize(height: h, width: w)
    let cg = s.inputChannels / s.groups
    let og = s.outputChannels / s.groups
    var y = [Double](repeating: 0, count: n * s.outputChannels * ho * wo)
    for bn in 0..<n {
        for o in 0..<s.outputChannels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var sum = b.isEmpty ? 0 : b[o]
                    let g = o / og
                    for ci in 0..<cg {
                        for ky in 0..<s.kernel.height {
                            for kx in 0..<s.kernel.width {
                                let iy = oy * s.stride - s.padding + ky * s.dilation
                                let ix = ox * s.stride - s.padding + kx * s.dilation
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                let c = g * cg + ci
                                sum +=
                                    x[((bn * xs[1] + c) * h + iy) * w + ix]
                                    * wt[((o * cg + ci) * s.kernel.height + ky) * s.kernel.width + kx]
                            }
                        }
                    }
                    y[((bn * s.outputChannels + o) * ho + oy) * wo + ox] = sum
                }
            }
        }
    }
    return y
}

@Suite struct ConvolutionTests {
    static let shapes = [
        ConvolutionShape(inputChannels: 4, outputChannels: 6, kernel: 3, stride: 2, padding: 1, groups: 2),
        // pix2pix down-sampling
        ConvolutionShape(inputChannels: 3, outputChannels: 5, kernel: 4, stride: 2, padding: 1),
        // depthwise, dilated
        ConvolutionShape(inputChannels: 4, outputChannels: 4, kernel: 3, padding: 2, dilation: 2, groups: 4),
        ConvolutionShape(inputChannels: 2, outputChannels: 3, kernel: 1),
    ]

    /// Forward against the double-precision direct convolution (1e-5 absolute), and every
    /// gradient against central finite differences of that reference (h = 1e-6 in double, so the
    /// reference itself is exact to ~1e-9): within 1e-4 of the largest gradient.
    @Test(arguments: shapes)
    func forwardAndGradientsMatchTheReference(shape s: ConvolutionShape) throws {
        var random = Seeded(state: 7)
        let xs = [2, s.inputChannels, 7, 6]
        let x = (0..<xs.reduce(1, *)).map { _ in random.next() }
        let wt = (0..<s.weightShape.reduce(1, *)).map { _ in random.next() }
        let b = (0..<s.outputChannels).map { _ in random.next() }
        let input = try Tensor(shape: xs, values: x.map(Float.init))
        let weight = try Tensor(shape: s.weightShape, values: wt.map(Float.init))
        let bias = try Tensor(shape: [s.outputChannels], values: b.map(Float.init))
        let y = try Convolution.forward(input, weight: weight, bias: bias, shape: s)
        let reference = referenceConvolution(
            x.map { Double(Float($0)) }, xs, wt.map { Double(Float($0)) }, b.map { Double(Float($0)) }, s)
        #expect(zip(y.values, reference).map { abs(Double($0) - $1) }.max()! < 1e-5)
        // Loss L = Σ y ⊙ r with a fixed random r: dL/dy = r.
        let r = (0..<y.count).map { _ in random.next() }
        let grads = try Convolution.backward(
            input, weight: weight, outputGradient: try Tensor(shape: y.shape, values: r.map(Float.init)), shape: s)
        let xd = x.map { Double(Float($0)) }
        let wd = wt.map { Double(Float($0)) }
        let bd = b.map { Double(Float($0)) }
        func loss(_ x: [Double], _ wt: [Double], _ b: [Double]) -> Double {
            zip(referenceConvolution(x, xs, wt, b, s), r).map(*).reduce(0, +)
        }
        expectGradient(grads.input.values, at: xd, "input") { loss($0, wd, bd) }
        expectGradient(grads.weight.values, at: wd, "weight") { loss(xd, $0, bd) }
        expectGradient(grads.bias.values, at: bd, "bias") { loss(xd, wd, $0) }
    }

    @Test func badShapesAreRefused() throws {
        let s = ConvolutionShape(inputChannels: 3, outputChannels: 4, kernel: 3)
        #expect(throws: NeuralError.self) {
            try Convolution.forward(
                Tensor(shape: [1, 2, 5, 5]), weight: Tensor(shape: s.weightShape), bias: nil, shape: s)
        }
        #expect(throws: NeuralError.self) {
            try Convolution.forward(
                Tensor(shape: [1, 3, 5, 5]), weight: Tensor(shape: [4, 3, 2, 2]), bias: nil, shape: s)
        }
        #expect(throws: NeuralError.self) {
            try Convolution.forward(
                Tensor(shape: [1, 3, 2, 2]), weight: Tensor(shape: s.weightShape), bias: nil, shape: s)
        }
        let grouped = ConvolutionShape(inputChannels: 3, outputChannels: 4, kernel: 1, groups: 2)
        #expect(throws: NeuralError.self) {
            try Convolution.forward(
                Tensor(shape: [1, 3, 2, 2]), weight: Tensor(shape: [4, 1, 1, 1]), bias: nil, shape: grouped)
        }
    }
}

import Testing

@testable import Neural

/// A direct transposed convolution in double precision: each input value spreads through the kernel.
func referenceTransposed(_ x: [Double], _ xs: [Int], _ wt: [Double], _ b: [Double], _ s: ConvolutionShape) -> [Double] {
    let (n, h, w) = (xs[0], xs[2], xs[3])
    let (ho, wo) = TransposedConvolution.outputSize(s, height: h, width: w)
    let ig = s.inputChannels / s.groups
    let og = s.outputChannels / s.groups
    var y = [Double](repeating: 0, count: n * s.outputChannels * ho * wo)
    for bn in 0..<n {
        for o in 0..<s.outputChannels { for i in 0..<(ho * wo) { y[(bn * s.outputChannels + o) * ho * wo + i] = b[o] } }
    }
    for bn in 0..<n {
        for c in 0..<s.inputChannels {
            for iy in 0..<h {
                for ix in 0..<w {
                    let g = c / ig
                    let v = x[((bn * s.inputChannels + c) * h + iy) * w + ix]
                    for ol in 0..<og {
                        for ky in 0..<s.kernel.height {
                            for kx in 0..<s.kernel.width {
                                let oy = iy * s.stride - s.padding + ky * s.dilation
                                let ox = ix * s.stride - s.padding + kx * s.dilation
                                guard oy >= 0, oy < ho, ox >= 0, ox < wo else { continue }
                                let o = g * og + ol
                                y[((bn * s.outputChannels + o) * ho + oy) * wo + ox] +=
                                    v * wt[((c * og + ol) * s.kernel.height + ky) * s.kernel.width + kx]
                            }
                        }
                    }
                }
            }
        }
    }
    return y
}

@Suite struct TransposedConvolutionTests {
    static let shapes = [
        ConvolutionShape(inputChannels: 3, outputChannels: 4, kernel: 4, stride: 2, padding: 1),  // pix2pix up-sampling
        ConvolutionShape(inputChannels: 4, outputChannels: 6, kernel: 3, stride: 2, padding: 1, groups: 2),
        ConvolutionShape(inputChannels: 2, outputChannels: 2, kernel: 3, padding: 1, dilation: 2, groups: 2),
    ]

    /// As `ConvolutionTests`: forward within 1e-5 of the double-precision direct version, every
    /// gradient within 1e-4 (relative to the largest) of its central finite differences.
    @Test(arguments: shapes)
    func forwardAndGradientsMatchTheReference(shape s: ConvolutionShape) throws {
        var random = Seeded(state: 11)
        let xs = [2, s.inputChannels, 5, 4]
        let wshape = TransposedConvolution.weightShape(s)
        let x = (0..<xs.reduce(1, *)).map { _ in Double(Float(random.next())) }
        let wt = (0..<wshape.reduce(1, *)).map { _ in Double(Float(random.next())) }
        let b = (0..<s.outputChannels).map { _ in Double(Float(random.next())) }
        let y = try TransposedConvolution.forward(
            Tensor(shape: xs, values: x.map(Float.init)), weight: Tensor(shape: wshape, values: wt.map(Float.init)),
            bias: Tensor(shape: [s.outputChannels], values: b.map(Float.init)), shape: s)
        let (ho, wo) = TransposedConvolution.outputSize(s, height: 5, width: 4)
        #expect(y.shape == [2, s.outputChannels, ho, wo])
        #expect(zip(y.values, referenceTransposed(x, xs, wt, b, s)).map { abs(Double($0) - $1) }.max()! < 1e-5)
        let r = (0..<y.count).map { _ in random.next() }
        let grads = try TransposedConvolution.backward(
            Tensor(shape: xs, values: x.map(Float.init)), weight: Tensor(shape: wshape, values: wt.map(Float.init)),
            outputGradient: Tensor(shape: y.shape, values: r.map(Float.init)), shape: s)
        func loss(_ x: [Double], _ wt: [Double], _ b: [Double]) -> Double {
            zip(referenceTransposed(x, xs, wt, b, s), r).map(*).reduce(0, +)
        }
        expectGradient(grads.input.values, at: x, "input") { loss($0, wt, b) }
        expectGradient(grads.weight.values, at: wt, "weight") { loss(x, $0, b) }
        expectGradient(grads.bias.values, at: b, "bias") { loss(x, wt, $0) }
    }
}

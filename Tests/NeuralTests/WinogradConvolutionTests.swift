import Testing

@testable import Neural

@Suite struct WinogradConvolutionTests {
    /// F(2 × 2, 5 × 5) gives the im2col convolution's result (with bias, with and without the
    /// rectifier) to float round-off, on odd and even sizes and more than one band of tiles.
    @Test(arguments: [(45, 45, 37, 29, true), (32, 45, 64, 160, false), (3, 5, 11, 17, true), (6, 48, 5, 200, false)])
    func matchesTheIm2colConvolution(_ c: Int, _ k: Int, _ h: Int, _ w: Int, _ rectify: Bool) throws {
        var state: UInt64 = 11
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        let shape = ConvolutionShape(inputChannels: c, outputChannels: k, kernel: 5, padding: 2)
        #expect(WinogradConvolution.suits(shape))
        let input = try Tensor(shape: [1, c, h, w], values: (0..<(c * h * w)).map { _ in next() })
        let weight = try Tensor(
            shape: shape.weightShape, values: (0..<shape.weightShape.reduce(1, *)).map { _ in next() })
        let bias = try Tensor(shape: [k], values: (0..<k).map { _ in next() })
        var expected = Tensor(shape: [])
        try Convolution.forward(input, weight: weight, bias: bias, shape: shape, into: &expected, rectifying: rectify)
        var got = Tensor(shape: [])
        WinogradConvolution.forward(
            input, kernels: WinogradConvolution.kernels(weight, shape: shape), bias: bias.values, rectify: rectify,
            into: &got)
        #expect(got.shape == expected.shape)
        let scale = expected.values.map(abs).max() ?? 1
        let worst = zip(got.values, expected.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-5 * max(1, scale), "largest difference \(worst) (outputs up to \(scale))")
    }
}

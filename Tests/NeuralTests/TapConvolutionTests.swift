import Testing

@testable import Neural

@Suite struct TapConvolutionTests {
    /// The tap-sum path gives the im2col path's result (a detector's 45 → 1, 9 × 9 head, and a
    /// 2-output 5 × 5 with odd sizes), to float round-off.
    @Test(arguments: [(45, 1, 9, 4, 37, 29), (6, 2, 5, 2, 23, 40), (3, 1, 5, 0, 19, 11)])
    func matchesTheIm2colConvolution(_ c: Int, _ o: Int, _ k: Int, _ p: Int, _ h: Int, _ w: Int) throws {
        var state: UInt64 = 7
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        let shape = ConvolutionShape(inputChannels: c, outputChannels: o, kernel: k, padding: p)
        #expect(TapConvolution.suits(shape))
        let input = try Tensor(shape: [1, c, h, w], values: (0..<(c * h * w)).map { _ in next() })
        let weight = try Tensor(
            shape: shape.weightShape, values: (0..<shape.weightShape.reduce(1, *)).map { _ in next() })
        let expected = try Convolution.forward(input, weight: weight, bias: nil, shape: shape)
        var got = Tensor(shape: [])
        try TapConvolution.forward(input, weight: weight, shape: shape, into: &got)
        #expect(got.shape == expected.shape)
        let worst = zip(got.values, expected.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4, "largest difference \(worst)")
    }
}

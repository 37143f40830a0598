import Testing

@testable import Neural

/// Layers big enough to run tiled on two lanes (several patch tiles, tile edges inside output
/// rows, private accumulators summed), one sample or a batch whose tiles span samples: forward
/// against the double-precision direct reference; backward against the adjoint identities of the
/// (checked) forward, ⟨r, f(x′, W)⟩ = ⟨dx, x′⟩ and ⟨r, f(x, W′)⟩ = ⟨dW, W′⟩ for random probes
/// x′, W′ (both maps are linear without bias).
@Suite struct TiledConvolutionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let shape: ConvolutionShape
        let input: [Int]
        var testDescription: String { name }
    }

    static let convolutions = [
        // 2 groups of 64 → 4 channels, 3×3 dilated: 576 patch rows, 1,600 positions, two tiles.
        Case(
            name: "one sample, grouped, dilated",
            shape: ConvolutionShape(
                inputChannels: 128, outputChannels: 8, kernel: 3, padding: 2, dilation: 2, groups: 2),
            input: [1, 128, 40, 40]),
        // 12 samples of 10 × 10: tiles of 896 columns cross samples and end inside one.
        Case(
            name: "batch of 12", shape: ConvolutionShape(inputChannels: 64, outputChannels: 8, kernel: 3, padding: 1),
            input: [12, 64, 10, 10]),
    ]

    static let transposed = [
        // pix2pix's up-sampling (4×4, stride 2) at 2 groups: 8 → 2×64 channels, 24 × 40 input;
        // 1,024 patch rows, 960 positions in two tiles.
        Case(
            name: "one sample, grouped",
            shape: ConvolutionShape(inputChannels: 8, outputChannels: 128, kernel: 4, stride: 2, padding: 1, groups: 2),
            input: [1, 8, 24, 40]),
        // 12 samples of 10 × 10 into 20 × 20: 512 patch rows, tiles of 1,024 columns across samples.
        Case(
            name: "batch of 12",
            shape: ConvolutionShape(inputChannels: 8, outputChannels: 32, kernel: 4, stride: 2, padding: 1),
            input: [12, 8, 10, 10]),
    ]

    static func random(_ count: Int, _ generator: inout Seeded) -> [Float] {
        (0..<count).map { _ in Float(generator.next()) }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }

    /// The layer f(x, W) (linear in each) and its backward at (x, W): checks both adjoint identities.
    static func expectAdjoints(
        x: Tensor, w: Tensor, generator: inout Seeded, forward f: (Tensor, Tensor) throws -> Tensor,
        backward: (Tensor, Tensor, Tensor) throws -> (input: Tensor, weight: Tensor, bias: Tensor),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let y = try f(x, w)
        let r = try Tensor(shape: y.shape, values: random(y.count, &generator))
        let g = try backward(x, w, r)
        let xProbe = try Tensor(shape: x.shape, values: random(x.count, &generator))
        let wProbe = try Tensor(shape: w.shape, values: random(w.count, &generator))
        for (what, lhs, rhs) in [
            ("input gradient", dot(r.values, try f(xProbe, w).values), dot(g.input.values, xProbe.values)),
            ("weight gradient", dot(r.values, try f(x, wProbe).values), dot(g.weight.values, wProbe.values)),
        ] {
            #expect(
                abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)), "\(what): \(lhs) vs \(rhs)", sourceLocation: sourceLocation)
        }
    }

    /// The case runs as intended: two lanes, more than one tile, a tile edge inside a sample's
    /// positions, and (for a batch) a tile holding several samples.
    static func expectTiledOnTwoLanes(_ plan: TilePlan, sourceLocation: SourceLocation = #_sourceLocation) {
        let tiles = (0..<plan.lanes).flatMap { plan.tiles(lane: $0) }
        #expect(plan.lanes == 2 && tiles.count >= 2, sourceLocation: sourceLocation)
        #expect(
            tiles.contains { $0.upperBound % plan.positions != 0 && $0.upperBound < plan.samples * plan.positions },
            sourceLocation: sourceLocation)
        if plan.samples > 1 { #expect(tiles.contains { plan.segments($0).count > 2 }, sourceLocation: sourceLocation) }
    }

    @Test(arguments: convolutions)
    func twoLaneConvolutionMatchesTheReference(_ c: Case) throws {
        let s = c.shape
        let xs = c.input
        let cg = s.inputChannels / s.groups
        Self.expectTiledOnTwoLanes(
            TilePlan(
                Patches(s, channels: cg, height: xs[2], width: xs[3]), samples: s.groups == 1 ? xs[0] : 1,
                otherDimension: s.outputChannels / s.groups))
        var generator = Seeded(state: 5)
        let x = try Tensor(shape: xs, values: Self.random(xs.reduce(1, *), &generator))
        let w = try Tensor(shape: s.weightShape, values: Self.random(s.weightShape.reduce(1, *), &generator))
        let y = try Convolution.forward(x, weight: w, bias: nil, shape: s)
        let reference = referenceConvolution(x.values.map(Double.init), xs, w.values.map(Double.init), [], s)
        let worst = zip(y.values, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "forward: worst \(worst)")
        try Self.expectAdjoints(
            x: x, w: w, generator: &generator,
            forward: { try Convolution.forward($0, weight: $1, bias: nil, shape: s) },
            backward: { try Convolution.backward($0, weight: $1, outputGradient: $2, shape: s) })
    }

    @Test(arguments: transposed)
    func twoLaneTransposedConvolutionMatchesTheReference(_ c: Case) throws {
        let s = c.shape
        let xs = c.input
        let (ho, wo) = TransposedConvolution.outputSize(s, height: xs[2], width: xs[3])
        Self.expectTiledOnTwoLanes(
            TilePlan(
                Patches(TransposedConvolution.adjoint(s), channels: s.outputChannels / s.groups, height: ho, width: wo),
                samples: s.groups == 1 ? xs[0] : 1, otherDimension: s.inputChannels / s.groups))
        var generator = Seeded(state: 6)
        let x = try Tensor(shape: xs, values: Self.random(xs.reduce(1, *), &generator))
        let weightShape = TransposedConvolution.weightShape(s)
        let w = try Tensor(shape: weightShape, values: Self.random(weightShape.reduce(1, *), &generator))
        let y = try TransposedConvolution.forward(x, weight: w, bias: nil, shape: s)
        let reference = referenceTransposed(
            x.values.map(Double.init), xs, w.values.map(Double.init),
            Array(repeating: 0, count: s.outputChannels), s)
        let worst = zip(y.values, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(y.shape == [xs[0], s.outputChannels, ho, wo] && worst < 1e-4, "forward: worst \(worst)")
        try Self.expectAdjoints(
            x: x, w: w, generator: &generator,
            forward: { try TransposedConvolution.forward($0, weight: $1, bias: nil, shape: s) },
            backward: { try TransposedConvolution.backward($0, weight: $1, outputGradient: $2, shape: s) })
    }
}

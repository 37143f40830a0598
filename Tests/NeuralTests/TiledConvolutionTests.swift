import Testing
@testable import Neural

/// Layers big enough to run tiled on two lanes (several patch tiles, tile edges inside output
/// rows, private accumulators summed): forward against the double-precision direct reference;
/// backward against the adjoint identities of the (checked) forward, ⟨r, f(x′, W)⟩ = ⟨dx, x′⟩
/// and ⟨r, f(x, W′)⟩ = ⟨dW, W′⟩ for random probes x′, W′ (both maps are linear without bias).
@Suite struct TiledConvolutionTests {
    static func random(_ count: Int, _ generator: inout Seeded) -> [Float] { (0..<count).map { _ in Float(generator.next()) } }

    static func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }

    /// The layer f(x, W) (linear in each) and its backward at (x, W): checks both adjoint identities.
    static func expectAdjoints(x: Tensor, w: Tensor, generator: inout Seeded, forward f: (Tensor, Tensor) throws -> Tensor,
                               backward: (Tensor, Tensor, Tensor) throws -> (input: Tensor, weight: Tensor, bias: Tensor),
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let y = try f(x, w)
        let r = try Tensor(shape: y.shape, values: random(y.count, &generator))
        let g = try backward(x, w, r)
        let xProbe = try Tensor(shape: x.shape, values: random(x.count, &generator))
        let wProbe = try Tensor(shape: w.shape, values: random(w.count, &generator))
        for (what, lhs, rhs) in [("input gradient", dot(r.values, try f(xProbe, w).values), dot(g.input.values, xProbe.values)),
                                 ("weight gradient", dot(r.values, try f(x, wProbe).values), dot(g.weight.values, wProbe.values))] {
            #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)), "\(what): \(lhs) vs \(rhs)", sourceLocation: sourceLocation)
        }
    }

    @Test func twoLaneConvolutionMatchesTheReference() throws {
        // 2 groups of 64 → 4 channels, 3×3 dilated: 576 patch rows, 1,600 positions, two tiles.
        let s = ConvolutionShape(inputChannels: 128, outputChannels: 8, kernel: 3, padding: 2, dilation: 2, groups: 2)
        let patches = Patches(s, channels: 64, height: 40, width: 40)
        let width = Lanes.tileWidth(rows: patches.rows, positions: patches.positions)
        #expect(Lanes.lanes(macs: 4 * patches.rows * patches.positions, positions: patches.positions, width: width) == 2)
        #expect(patches.positions % width != 0 && width % 40 != 0, "tiles end inside output rows")

        var generator = Seeded(state: 5)
        let xs = [1, 128, 40, 40]
        let x = try Tensor(shape: xs, values: Self.random(128 * 1600, &generator))
        let w = try Tensor(shape: s.weightShape, values: Self.random(8 * 64 * 9, &generator))
        let y = try Convolution.forward(x, weight: w, bias: nil, shape: s)
        let reference = referenceConvolution(x.values.map(Double.init), xs, w.values.map(Double.init), [], s)
        let worst = zip(y.values, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "forward: worst \(worst)")

        try Self.expectAdjoints(x: x, w: w, generator: &generator,
                                forward: { try Convolution.forward($0, weight: $1, bias: nil, shape: s) },
                                backward: { try Convolution.backward($0, weight: $1, outputGradient: $2, shape: s) })
    }

    @Test func twoLaneTransposedConvolutionMatchesTheReference() throws {
        // pix2pix's up-sampling (4×4, stride 2) at 2 groups: 8 → 2×64 channels, 24 × 40 input;
        // 1,024 patch rows, 960 positions in two tiles.
        let s = ConvolutionShape(inputChannels: 8, outputChannels: 128, kernel: 4, stride: 2, padding: 1, groups: 2)
        var generator = Seeded(state: 6)
        let xs = [1, 8, 24, 40]
        let x = try Tensor(shape: xs, values: Self.random(8 * 24 * 40, &generator))
        let w = try Tensor(shape: TransposedConvolution.weightShape(s), values: Self.random(8 * 64 * 16, &generator))
        let patches = Patches(TransposedConvolution.adjoint(s), channels: 64, height: 48, width: 80)
        let width = Lanes.tileWidth(rows: patches.rows, positions: patches.positions)
        #expect(patches.positions == 24 * 40 && Lanes.lanes(macs: 4 * patches.rows * patches.positions, positions: patches.positions, width: width) == 2)

        let y = try TransposedConvolution.forward(x, weight: w, bias: nil, shape: s)
        let reference = referenceTransposed(x.values.map(Double.init), xs, w.values.map(Double.init), Array(repeating: 0, count: 128), s)
        let worst = zip(y.values, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(y.shape == [1, 128, 48, 80] && worst < 1e-4, "forward: worst \(worst)")

        try Self.expectAdjoints(x: x, w: w, generator: &generator,
                                forward: { try TransposedConvolution.forward($0, weight: $1, bias: nil, shape: s) },
                                backward: { try TransposedConvolution.backward($0, weight: $1, outputGradient: $2, shape: s) })
    }
}

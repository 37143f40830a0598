import Testing

/// A seeded generator of doubles in [−1, 1) for the engine's tests.
struct Seeded {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
}

/// Expects `analytic` to match central finite differences of `loss` around `values` (h = 1e-6, in
/// double precision) within 1e-4 of the largest gradient (or of 1).
func expectGradient(
    _ analytic: [Float], at values: [Double], _ name: String, loss: ([Double]) -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let numeric = values.indices.map { i -> Double in
        var up = values
        var down = values
        up[i] += 1e-6
        down[i] -= 1e-6
        return (loss(up) - loss(down)) / 2e-6
    }
    let scale = max(1, numeric.map(abs).max() ?? 0)
    let worst = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(
        analytic.count == values.count && worst < 1e-4 * scale, "\(name): worst \(worst) of \(scale)",
        sourceLocation: sourceLocation)
}

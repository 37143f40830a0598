import Testing

@testable import Neural

@Suite struct NormalizationTests {
    /// y = γ·(x − μ)/√(σ² + ε) + β in double precision; statistics per channel (batch) or per
    /// sample and channel (instance), or the given running ones.
    static func reference(
        _ x: [Double], shape: [Int], batch: Bool, gamma: [Double], beta: [Double],
        running: (mean: [Double], variance: [Double])? = nil
    ) -> [Double] {
        let (n, c, plane) = (shape[0], shape[1], shape[2] * shape[3])
        var y = x
        for ch in 0..<c {
            for group in (batch ? [Array(0..<n)] : (0..<n).map { [$0] }) {
                let indices = group.flatMap { b in ((b * c + ch) * plane)..<((b * c + ch + 1) * plane) }
                let mean = running?.mean[ch] ?? indices.map { x[$0] }.reduce(0, +) / Double(indices.count)
                let variance =
                    running?.variance[ch] ?? indices.map { (x[$0] - mean) * (x[$0] - mean) }.reduce(0, +)
                    / Double(indices.count)
                for i in indices { y[i] = gamma[ch] * (x[i] - mean) / (variance + 1e-5).squareRoot() + beta[ch] }
            }
        }
        return y
    }

    @Test(arguments: [true, false])
    func trainingForwardAndGradients(batch: Bool) throws {
        var random = Seeded(state: batch ? 21 : 22)
        let shape = [3, 2, 3, 2]
        let x = (0..<36).map { _ in Double(Float(random.next() * 2 + 0.5)) }
        let gamma = [Double(Float(1.5)), Double(Float(-0.7))]
        let beta = [Double(Float(0.25)), Double(Float(-1))]
        let r = (0..<36).map { _ in random.next() }
        var layer = Normalization(batch ? .batch : .instance, channels: 2)
        layer.scale = try Tensor(shape: [2], values: gamma.map(Float.init))
        layer.shift = try Tensor(shape: [2], values: beta.map(Float.init))
        let (y, cache) = try layer.forward(Tensor(shape: shape, values: x.map(Float.init)), training: true)
        let expected = Self.reference(x, shape: shape, batch: batch, gamma: gamma, beta: beta)
        #expect(zip(y.values, expected).map { abs(Double($0) - $1) }.max()! < 1e-5)
        let grads = try layer.backward(cache, outputGradient: Tensor(shape: shape, values: r.map(Float.init)))
        func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
            zip(Self.reference(x, shape: shape, batch: batch, gamma: g, beta: b), r).map(*).reduce(0, +)
        }
        expectGradient(grads.input.values, at: x, "input") { loss($0, gamma, beta) }
        expectGradient(grads.scale.values, at: gamma, "scale") { loss(x, $0, beta) }
        expectGradient(grads.shift.values, at: beta, "shift") { loss(x, gamma, $0) }
        if batch {
            // Running statistics: 0.9 · initial + 0.1 · batch, the variance unbiased (18 values per channel).
            for ch in 0..<2 {
                let values = (0..<3).flatMap { b in (0..<6).map { x[(b * 2 + ch) * 6 + $0] } }
                let mean = values.reduce(0, +) / 18
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 17
                #expect(abs(Double(layer.runningMean.values[ch]) - 0.1 * mean) < 1e-6)
                #expect(abs(Double(layer.runningVariance.values[ch]) - (0.9 + 0.1 * variance)) < 1e-6)
            }
        }
    }

    /// Evaluation uses the running statistics: a fixed affine map of x, so its gradient is γ/√(σ²+ε).
    @Test func evaluationUsesRunningStatistics() throws {
        var random = Seeded(state: 23)
        var layer = Normalization(.batch, channels: 2)
        layer.runningMean = try Tensor(shape: [2], values: [0.5, -0.25])
        layer.runningVariance = try Tensor(shape: [2], values: [4, 0.5])
        layer.scale = try Tensor(shape: [2], values: [2, 1])
        let x = (0..<16).map { _ in Double(Float(random.next())) }
        let r = (0..<16).map { _ in random.next() }
        let (y, cache) = try layer.forward(Tensor(shape: [2, 2, 2, 2], values: x.map(Float.init)), training: false)
        let running = (mean: [0.5, -0.25], variance: [4.0, 0.5])
        #expect(
            zip(
                y.values,
                Self.reference(x, shape: [2, 2, 2, 2], batch: true, gamma: [2, 1], beta: [0, 0], running: running)
            )
            .map { abs(Double($0) - $1) }.max()! < 1e-5)
        #expect(layer.runningMean.values == [0.5, -0.25])
        let dx = try layer.backward(cache, outputGradient: Tensor(shape: [2, 2, 2, 2], values: r.map(Float.init))).input
        expectGradient(dx.values, at: x, "input") { v in
            zip(
                Self.reference(v, shape: [2, 2, 2, 2], batch: true, gamma: [2, 1], beta: [0, 0], running: running), r
            ).map(*).reduce(0, +)
        }
    }
}

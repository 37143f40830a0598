import Foundation
import Testing

@testable import Neural

@Suite struct LayerTests {
    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var random = Seeded(state: seed)
        return (0..<count).map { _ in Double(Float(random.next())) }
    }

    /// Pooling against double-precision window loops and finite differences (distinct values, so
    /// each max is unique and the function smooth around the sample).
    @Test(arguments: [Pooling.max(window: 2, stride: 2), .average(window: 3, stride: 2), .globalAverage])
    func poolingGradients(_ pooling: Pooling) throws {
        let shape = [2, 2, 5, 5]
        let x = Self.values(100, seed: 31)
        func reference(_ x: [Double]) -> [Double] {
            let (k, s, o): (Int, Int, Int) = {
                switch pooling {
                case .max(let k, let s), .average(let k, let s): (k, s, (5 - k) / s + 1)
                case .globalAverage: (5, 1, 1)
                }
            }()
            var y: [Double] = []
            for plane in 0..<4 {
                for oy in 0..<o {
                    for ox in 0..<o {
                        let window = (0..<k).flatMap { ky in
                            (0..<k).map { kx in x[(plane * 5 + oy * s + ky) * 5 + ox * s + kx] }
                        }
                        if case .max = pooling {
                            y.append(window.max()!)
                        } else {
                            y.append(window.reduce(0, +) / Double(window.count))
                        }
                    }
                }
            }
            return y
        }
        let input = try Tensor(shape: shape, values: x.map(Float.init))
        let y = try pooling.forward(input)
        #expect(zip(y.values, reference(x)).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        let r = Self.values(y.count, seed: 32)
        let dx = try pooling.backward(input, outputGradient: Tensor(shape: y.shape, values: r.map(Float.init)))
        expectGradient(dx.values, at: x, "\(pooling)") { v in zip(reference(v), r).map(*).reduce(0, +) }
    }

    @Test func denseGradients() throws {
        let x = Self.values(3 * 5, seed: 33)
        let w = Self.values(4 * 5, seed: 34)
        let b = Self.values(4, seed: 35)
        let r = Self.values(12, seed: 36)
        func reference(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            var y: [Double] = []
            for n in 0..<3 {
                for o in 0..<4 {
                    var sum = b[o]
                    for i in 0..<5 { sum += x[n * 5 + i] * w[o * 5 + i] }
                    y.append(sum)
                }
            }
            return y
        }
        let (xt, wt) = (
            try Tensor(shape: [3, 5], values: x.map(Float.init)), try Tensor(shape: [4, 5], values: w.map(Float.init))
        )
        let y = try Dense.forward(xt, weight: wt, bias: Tensor(shape: [4], values: b.map(Float.init)))
        #expect(zip(y.values, reference(x, w, b)).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        let g = try Dense.backward(xt, weight: wt, outputGradient: Tensor(shape: [3, 4], values: r.map(Float.init)))
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            zip(reference(x, w, b), r).map(*).reduce(0, +)
        }
        expectGradient(g.input.values, at: x, "input") { loss($0, w, b) }
        expectGradient(g.weight.values, at: w, "weight") { loss(x, $0, b) }
        expectGradient(g.bias.values, at: b, "bias") { loss(x, w, $0) }
    }

    @Test func softmaxGradients() throws {
        let x = Self.values(12, seed: 37)
        let r = Self.values(12, seed: 38)
        func reference(_ x: [Double]) -> [Double] {
            (0..<3).flatMap { row -> [Double] in
                let e = (0..<4).map { exp(x[row * 4 + $0]) }
                return e.map { $0 / e.reduce(0, +) }
            }
        }
        let y = TensorOperations.softmax(try Tensor(shape: [3, 4], values: x.map(Float.init)))
        #expect(zip(y.values, reference(x)).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        let dx = try TensorOperations.softmaxBackward(
            output: y, outputGradient: Tensor(shape: [3, 4], values: r.map(Float.init)))
        expectGradient(dx.values, at: x, "softmax") { v in zip(reference(v), r).map(*).reduce(0, +) }
    }

    /// Concatenation puts each sample's channels side by side and its gradient splits back; add
    /// and up-sampling move values and gradients exactly.
    @Test func concatenationUpsamplingAndAdd() throws {
        let a = try Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 4])
        let b = try Tensor(shape: [2, 2, 1, 2], values: [5, 6, 7, 8, 9, 10, 11, 12])
        let joined = try TensorOperations.concatenateChannels([a, b])
        #expect(joined.shape == [2, 3, 1, 2] && joined.values == [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
        #expect(try TensorOperations.splitChannels(joined, counts: [1, 2]) == [a, b])
        #expect(throws: NeuralError.self) {
            try TensorOperations.concatenateChannels([a, Tensor(shape: [2, 1, 2, 1])])
        }
        let up = try TensorOperations.upsample(a, factor: 2)
        #expect(up.shape == [2, 1, 2, 4] && Array(up.values[0..<8]) == [1, 1, 2, 2, 1, 1, 2, 2])
        #expect(
            try TensorOperations.upsampleBackward(Tensor(shape: up.shape, repeating: 1), factor: 2).values == [
                4, 4, 4, 4,
            ])
        #expect(try TensorOperations.add(a, a).values == [2, 4, 6, 8])
        #expect(throws: NeuralError.self) { try TensorOperations.add(a, b) }
    }

    /// Dropout: the same seed gives the same mask; kept values are scaled by 1/(1 − p) so the mean
    /// is kept; about p of them are dropped.
    @Test func dropoutIsSeededAndUnbiased() throws {
        let x = Tensor(shape: [1, 1, 100, 100], repeating: 1)
        let (y, mask) = try TensorOperations.dropout(x, probability: 0.5, seed: 9)
        #expect(try TensorOperations.dropout(x, probability: 0.5, seed: 9).output == y)
        #expect(try TensorOperations.dropout(x, probability: 0.5, seed: 10).output != y)
        let dropped = Double(mask.values.filter { $0 == 0 }.count) / 10_000
        #expect(abs(dropped - 0.5) < 0.02, "dropped \(dropped)")
        #expect(Set(y.values).isSubset(of: [0, 2]))
        #expect(throws: NeuralError.self) { try TensorOperations.dropout(x, probability: 1, seed: 1) }
    }
}

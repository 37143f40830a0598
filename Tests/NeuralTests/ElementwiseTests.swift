import Foundation
import Testing

@testable import Neural

@Suite struct ElementwiseTests {
    static let activations: [Activation] = [.relu, .leakyReLU(slope: 0.2), .tanh, .sigmoid]
    static let losses: [Loss] = [
        .l1, .l2, .leastSquaresGAN(label: 1), .leastSquaresGAN(label: 0), .binaryCrossEntropy, .categoricalCrossEntropy,
    ]

    /// Values away from ReLU's kink (|x| ≥ 0.05) so central differences are exact there.
    static func inputs(_ count: Int, seed: UInt64) -> [Double] {
        var random = Seeded(state: seed)
        return (0..<count).map { _ in
            let v = random.next() * 3
            return Double(Float(abs(v) < 0.05 ? v + 0.1 : v))
        }
    }

    /// Each activation's backward against finite differences of a double-precision forward, with
    /// L = Σ y ⊙ r.
    @Test(arguments: activations)
    func activationGradients(_ activation: Activation) throws {
        let x = Self.inputs(24, seed: 3)
        let r = Self.inputs(24, seed: 4)
        func reference(_ v: Double) -> Double {
            switch activation {
            case .relu: max(0, v)
            case .leakyReLU(let a): v > 0 ? v : Double(a) * v
            case .tanh: Foundation.tanh(v)
            case .sigmoid: 1 / (1 + exp(-v))
            }
        }
        let input = try Tensor(shape: [2, 3, 2, 2], values: x.map(Float.init))
        let y = activation.forward(input)
        #expect(zip(y.values, x).allSatisfy { abs(Double($0) - reference($1)) < 1e-6 })
        let dx = try activation.backward(input, outputGradient: Tensor(shape: input.shape, values: r.map(Float.init)))
        expectGradient(dx.values, at: x, "\(activation)") { v in zip(v.map(reference), r).map(*).reduce(0, +) }
    }

    /// Each loss's value against a double-precision formula and its gradient against finite
    /// differences of that formula.
    @Test(arguments: losses)
    func lossValuesAndGradients(_ loss: Loss) throws {
        let p = Self.inputs(12, seed: 5)
        var target = Self.inputs(12, seed: 6)
        if loss == .binaryCrossEntropy { target = target.map { ($0 / 3 + 1) / 2 } }  // probabilities
        // One-hot rows of 4.
        if loss == .categoricalCrossEntropy { target = (0..<12).map { $0 % 4 == ($0 / 4) ? 1 : 0 } }
        func reference(_ p: [Double]) -> Double {
            switch loss {
            case .l1: return zip(p, target).map { abs($0 - $1) }.reduce(0, +) / 12
            case .l2: return zip(p, target).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 12
            case .leastSquaresGAN(let label):
                return p.map { ($0 - Double(label)) * ($0 - Double(label)) }.reduce(0, +) / 12
            case .binaryCrossEntropy:
                return zip(p, target).map { x, y in
                    let s = 1 / (1 + exp(-x))
                    return -(y * log(s) + (1 - y) * log(1 - s))
                }.reduce(0, +) / 12
            case .categoricalCrossEntropy:
                return (0..<3).map { r in
                    let row = p[(4 * r)..<(4 * r + 4)]
                    let z = log(row.map(exp).reduce(0, +))
                    return -(0..<4).map { target[4 * r + $0] * (p[4 * r + $0] - z) }.reduce(0, +)
                }.reduce(0, +) / 3
            }
        }
        let shape = loss == .categoricalCrossEntropy ? [3, 4] : [3, 4, 1, 1]
        let (value, gradient) = try loss.evaluate(
            prediction: Tensor(shape: shape, values: p.map(Float.init)),
            target: Tensor(shape: shape, values: target.map(Float.init)))
        #expect(abs(value - reference(p)) < 1e-5, "\(loss): \(value) vs \(reference(p))")
        expectGradient(gradient.values, at: p, "\(loss)", loss: reference)
    }

    @Test func extremeLogitsStayFinite() throws {
        let logits = try Tensor(shape: [1, 4], values: [1000, -1000, 0, 88])
        let target = try Tensor(shape: [1, 4], values: [0, 1, 0, 0])
        for loss in [Loss.binaryCrossEntropy, .categoricalCrossEntropy] {
            let (value, gradient) = try loss.evaluate(prediction: logits, target: target)
            #expect(value.isFinite && gradient.values.allSatisfy(\.isFinite), "\(loss)")
        }
        let squashed = Activation.sigmoid.forward(logits)
        #expect(squashed.values.allSatisfy { $0.isFinite })
    }
}

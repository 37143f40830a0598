import Foundation
import Testing

@testable import Neural

@Suite struct TrainingTests {
    /// Three Adam steps on two parameters against the update computed by hand in double precision.
    @Test func adamMatchesItsFormula() throws {
        var adam = Adam(learningRate: 0.1, weightDecay: 0.01)
        var parameters = ["a": try Tensor(shape: [2], values: [1, -2]), "b.c": try Tensor(shape: [], values: [0.5])]
        var expected: [String: [Double]] = ["a": [1, -2], "b.c": [0.5]]
        var m: [String: [Double]] = ["a": [0, 0], "b.c": [0]]
        var v = m
        let gradients: [[String: [Double]]] = [
            ["a": [0.3, -1], "b.c": [2]], ["a": [-0.1, 0.5], "b.c": [1]], ["a": [0.2, 0.2], "b.c": [-3]],
        ]
        for (t, step) in gradients.enumerated() {
            try adam.update(
                &parameters,
                gradients: try step.mapValues {
                    try Tensor(shape: $0.count == 1 ? [] : [2], values: $0.map(Float.init))
                })
            for (name, g) in step {
                for i in g.indices {
                    let grad = g[i] + 0.01 * expected[name]![i]
                    m[name]![i] = 0.9 * m[name]![i] + 0.1 * grad
                    v[name]![i] = 0.999 * v[name]![i] + 0.001 * grad * grad
                    let mh = m[name]![i] / (1 - pow(0.9, Double(t + 1)))
                    let vh = v[name]![i] / (1 - pow(0.999, Double(t + 1)))
                    expected[name]![i] -= 0.1 * mh / (vh.squareRoot() + 1e-8)
                }
            }
        }
        for (name, values) in expected {
            #expect(zip(parameters[name]!.values, values).allSatisfy { abs(Double($0) - $1) < 1e-5 }, "\(name)")
        }
        #expect(throws: NeuralError.self) { try adam.update(&parameters, gradients: ["x": Tensor(shape: [1])]) }
    }

    /// A parameter large enough to be updated in two halves on two cores (300,000 values) gets the
    /// formula's update everywhere; stepping a module updates it as stepping its state does, and
    /// leaves the module whole (buffers included) and usable.
    @Test func adamOnLargeTensorsAndModules() throws {
        var random = Seeded(state: 90)
        let count = 300_000
        let start = (0..<count).map { _ in Float(random.next()) }
        let gradient = (0..<count).map { _ in Float(random.next()) }
        var parameters = ["w": try Tensor(shape: [count], values: start)]
        var adam = Adam(learningRate: 0.01, weightDecay: 0.1)
        try adam.update(&parameters, gradients: ["w": try Tensor(shape: [count], values: gradient)])
        let worst = (0..<count).map { i -> Double in
            let g = Double(gradient[i]) + 0.1 * Double(start[i])
            let mh = 0.1 * g / 0.1
            let vh = 0.001 * g * g / 0.001
            return abs(Double(parameters["w"]!.values[i]) - (Double(start[i]) - 0.01 * mh / (vh.squareRoot() + 1e-8)))
        }.max()!
        #expect(worst < 1e-6, "worst \(worst)")

        var net = ModuleTests.network(seed: 4)
        let x = try Tensor(shape: [2, 1, 4, 4], values: (0..<32).map { _ in Float(random.next()) })
        let y = try net.forward(x)
        _ = try net.backward(y)
        var byState = net.state
        var adamA = Adam(learningRate: 0.05)
        var adamB = Adam(learningRate: 0.05)
        try adamA.update(&byState, gradients: net.gradients)
        try adamB.update(&net)
        #expect(net.state == byState)
        #expect(net.state["1.running_var"] != nil && net.state["1.num_batches_tracked"]?.values == [1])
        #expect(try net.forward(x).shape == y.shape)
    }

    @Test func linearDecayFollowsPix2pix() {
        let schedule = LinearDecaySchedule(initial: 2e-4, constantEpochs: 100, decayEpochs: 100)
        #expect(schedule.rate(epoch: 0) == 2e-4 && schedule.rate(epoch: 98) == 2e-4)
        #expect(abs(schedule.rate(epoch: 149) - 2e-4 * (1 - 50.0 / 101)) < 1e-10)
        #expect(schedule.rate(epoch: 199) > 0 && schedule.rate(epoch: 199) < 2e-6)
    }

    /// A tiny conv net (3×3 conv to 8 channels, ReLU, 3×3 conv back to 1) learns what a fixed
    /// random 3×3 filter does to random images: the L2 loss drops 100-fold within 400 Adam steps,
    /// and two runs give bit-identical losses.
    @Test func smallConvNetLearnsAFixedMapping() throws {
        func train() throws -> [Double] {
            var random = Seeded(state: 77)
            func tensor(_ shape: [Int], scale: Double) throws -> Tensor {
                try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(random.next() * scale) })
            }
            let first = ConvolutionShape(inputChannels: 1, outputChannels: 8, kernel: 3, padding: 1)
            let second = ConvolutionShape(inputChannels: 8, outputChannels: 1, kernel: 3, padding: 1)
            let teacher = ConvolutionShape(inputChannels: 1, outputChannels: 1, kernel: 3, padding: 1)
            let input = try tensor([4, 1, 8, 8], scale: 1)
            let target = try Convolution.forward(
                input, weight: tensor(teacher.weightShape, scale: 0.5), bias: nil, shape: teacher)
            var parameters = [
                "conv1.weight": try tensor(first.weightShape, scale: 0.3), "conv1.bias": Tensor(shape: [8]),
                "conv2.weight": try tensor(second.weightShape, scale: 0.1), "conv2.bias": Tensor(shape: [1]),
            ]
            var adam = Adam(learningRate: 0.01)
            var losses: [Double] = []
            for _ in 0..<400 {
                let hidden = try Convolution.forward(
                    input, weight: parameters["conv1.weight"]!, bias: parameters["conv1.bias"], shape: first)
                let activated = Activation.relu.forward(hidden)
                let output = try Convolution.forward(
                    activated, weight: parameters["conv2.weight"]!, bias: parameters["conv2.bias"], shape: second)
                let (loss, dOutput) = try Loss.l2.evaluate(prediction: output, target: target)
                losses.append(loss)
                let g2 = try Convolution.backward(
                    activated, weight: parameters["conv2.weight"]!, outputGradient: dOutput, shape: second)
                let dHidden = try Activation.relu.backward(hidden, outputGradient: g2.input)
                let g1 = try Convolution.backward(
                    input, weight: parameters["conv1.weight"]!, outputGradient: dHidden, shape: first)
                try adam.update(
                    &parameters,
                    gradients: [
                        "conv1.weight": g1.weight, "conv1.bias": g1.bias,
                        "conv2.weight": g2.weight, "conv2.bias": g2.bias,
                    ])
            }
            return losses
        }
        let losses = try train()
        let best = losses.min()!
        print("tiny conv net: L2 loss \(losses[0]) → \(losses.last!) (best \(best)) in 400 Adam steps")
        #expect(losses.last! <= losses[0] / 100)
        #expect(try train() == losses)
    }
}

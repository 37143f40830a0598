import Testing

@testable import Neural

@Suite struct ModuleTests {
    /// conv → batch norm → leaky ReLU → transposed conv → tanh, PyTorch-style names.
    static func network(seed: UInt64) -> Sequential {
        Sequential([
            Conv2d(ConvolutionShape(inputChannels: 1, outputChannels: 4, kernel: 3, padding: 1), seed: seed),
            Norm2d(.batch, channels: 4),
            ActivationLayer(.leakyReLU(slope: 0.2)),
            Conv2d(
                ConvolutionShape(inputChannels: 4, outputChannels: 2, kernel: 4, stride: 2, padding: 1),
                transposed: true, seed: seed + 1),
            ActivationLayer(.tanh),
        ])
    }

    @Test func namesCountsAndModes() {
        var net = Self.network(seed: 1)
        #expect(
            net.state.keys.sorted() == [
                "0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight",
                "3.bias", "3.weight",
            ])
        #expect(net.weights.storage == ["1.num_batches_tracked": .i64])
        #expect(net.trainableNames.sorted() == ["0.bias", "0.weight", "1.bias", "1.weight", "3.bias", "3.weight"])
        #expect(net.state["3.weight"]?.shape == [4, 2, 4, 4])
        #expect(net.parameterCount == (4 * 9 + 4) + (4 + 4) + (4 * 2 * 16 + 2))
        _ = try? net.forward(Tensor(shape: [2, 1, 4, 4], repeating: 0.5))
        #expect(net.state["1.num_batches_tracked"]?.values == [1])
        net.training = false
        #expect(net.layers.allSatisfy { !$0.training })
        _ = try? net.forward(Tensor(shape: [2, 1, 4, 4], repeating: 0.5))
        #expect(net.state["1.num_batches_tracked"]?.values == [1], "evaluation does not count")
    }

    /// The composed backward against central differences of the composed forward (float, so a
    /// loose 2 % bound: each operation is checked exactly on its own).
    @Test func composedGradientsMatchFiniteDifferences() throws {
        var net = Self.network(seed: 3)
        var random = Seeded(state: 41)
        let x = try Tensor(shape: [2, 1, 4, 4], values: (0..<32).map { _ in Float(random.next()) })
        let y = try net.forward(x)
        #expect(y.shape == [2, 2, 8, 8])
        let r = try Tensor(shape: y.shape, values: (0..<y.count).map { _ in Float(random.next()) })
        _ = try net.backward(r)
        let analytic = net.gradients
        func loss(_ state: [String: Tensor]) throws -> Double {
            var probe = net
            probe.state = state
            return zip(try probe.forward(x).values, r.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        for name in net.trainableNames.sorted() {
            let base = net.state
            for i in stride(from: 0, to: base[name]!.count, by: max(1, base[name]!.count / 7)) {
                var up = base
                var down = base
                up[name]!.values[i] += 1e-3
                down[name]!.values[i] -= 1e-3
                let numeric = (try loss(up) - loss(down)) / 2e-3
                let value = Double(analytic[name]!.values[i])
                #expect(abs(value - numeric) <= 0.02 * max(1, abs(numeric)), "\(name)[\(i)]: \(value) vs \(numeric)")
            }
        }
    }

    /// Weights out through safetensors and into a differently initialised network give the same
    /// outputs; a file that does not fit says what is wrong.
    /// Gradients sum over backward passes until cleared; cleared, a network reports none (as
    /// PyTorch's `zero_grad(set_to_none=True)`), and the next pass starts from zero although it
    /// reuses the kept buffers.
    @Test func gradientsAccumulateAndClear() throws {
        var net = Self.network(seed: 8)
        var random = Seeded(state: 12)
        let x = try Tensor(shape: [2, 1, 4, 4], values: (0..<32).map { _ in Float(random.next()) })
        let r = try Tensor(shape: [2, 2, 8, 8], values: (0..<256).map { _ in Float(random.next()) })
        _ = try net.forward(x)
        _ = try net.backward(r)
        let once = net.gradients
        _ = try net.forward(x)
        _ = try net.backward(r)
        let twice = net.gradients
        for (name, g) in once {
            #expect(
                zip(g.values, twice[name]!.values).allSatisfy { abs(2 * $0 - $1) <= 1e-5 * max(1, abs($1)) },
                "\(name) sums")
        }
        net.zeroGradients()
        #expect(net.gradients.isEmpty)
        _ = try net.forward(x)
        _ = try net.backward(r)
        #expect(net.gradients.keys.sorted() == once.keys.sorted())
        for (name, g) in once { #expect(net.gradients[name]!.values == g.values, "\(name) restarts from zero") }
    }

    @Test func weightsRoundTripAndMismatchesAreReported() throws {
        var trained = Self.network(seed: 5)
        var fresh = Self.network(seed: 9)
        trained.training = false
        fresh.training = false
        let x = Tensor(shape: [1, 1, 4, 4], repeating: 0.3)
        #expect(try trained.forward(x) != fresh.forward(x))
        try fresh.load(WeightsFile(bytes: trained.weights.encoded()))
        #expect(try trained.forward(x) == fresh.forward(x))
        var broken = trained.weights
        broken.tensors["0.bias"] = nil
        broken.tensors["head.weight"] = Tensor(shape: [1])
        broken.tensors["3.weight"] = Tensor(shape: [2, 4, 4, 4])
        do {
            try fresh.load(broken, path: "net.safetensors")
            Issue.record("accepted")
        } catch let error as NeuralError {
            #expect(
                error.description
                    == "net.safetensors: the weights do not fit the model: missing: 0.bias; unexpected: head.weight; "
                    + "mis-shaped: 3.weight is [2, 4, 4, 4], the model needs [4, 2, 4, 4]", "\(error)")
        }
    }
}

import Testing

@testable import Neural

@Suite struct Pix2PixTests {
    /// Sizes as pix2pix prints them: for one-channel images unet_256 and the basic discriminator
    /// report "54.408 M" and "2.765 M" (junyanz/pytorch-CycleGAN-and-pix2pix issue #1152); for RGB
    /// the same layers give 54,413,955 and 2,768,705. Names as its state_dict spells them.
    @Test func defaultNetworksHavePix2pixSizesAndNames() {
        let grey = Pix2Pix.unet(inputChannels: 1, outputChannels: 1, downs: 8, filters: 64, dropout: true, seed: 1)
            .parameterCount
        #expect((Double(grey) / 1e6 * 1000).rounded() / 1000 == 54.408, "\(grey)")
        let greyDiscriminator = Pix2Pix.patchGAN(inputChannels: 2, filters: 64, layers: 3, seed: 2).parameterCount
        #expect((Double(greyDiscriminator) / 1e6 * 1000).rounded() / 1000 == 2.765, "\(greyDiscriminator)")
        let generator = Pix2Pix.unet(inputChannels: 3, outputChannels: 3, downs: 8, filters: 64, dropout: true, seed: 1)
        #expect(generator.parameterCount == 54_413_955)
        let state = generator.state
        #expect(state["model.model.0.weight"]?.shape == [64, 3, 4, 4] && state["model.model.0.bias"] == nil)
        #expect(state["model.model.1.model.1.weight"]?.shape == [128, 64, 4, 4])
        #expect(state["model.model.1.model.2.running_var"]?.shape == [128])
        #expect(state["model.model.1.model.5.weight"]?.shape == [256, 64, 4, 4])  // up-conv: [in, out, 4, 4]
        #expect(state["model.model.3.weight"]?.shape == [128, 3, 4, 4] && state["model.model.3.bias"]?.shape == [3])
        let discriminator = Pix2Pix.patchGAN(inputChannels: 6, filters: 64, layers: 3, seed: 2)
        #expect(discriminator.parameterCount == 2_768_705)
        #expect(
            discriminator.state["model.0.bias"]?.shape == [64]
                && discriminator.state["model.2.weight"]?.shape == [128, 64, 4, 4])
        #expect(
            discriminator.state["model.9.running_mean"]?.shape == [512]
                && discriminator.state["model.11.weight"]?.shape == [1, 512, 4, 4])
    }

    /// A small U-Net (5 halvings, 4 filters) maps 32² to 32² in (−1, 1); the PatchGAN maps 32² to
    /// a 2 × 2 grid of patch scores; in evaluation mode the generator's backward (skips included)
    /// matches central differences on sampled parameters.
    @Test func smallNetworksRunAndDifferentiate() throws {
        var generator = Pix2Pix.unet(inputChannels: 3, outputChannels: 2, downs: 5, filters: 4, dropout: true, seed: 3)
        generator.training = false
        var random = Seeded(state: 51)
        let x = try Tensor(shape: [1, 3, 32, 32], values: (0..<3072).map { _ in Float(random.next()) })
        let y = try generator.forward(x)
        #expect(y.shape == [1, 2, 32, 32] && y.values.allSatisfy { abs($0) < 1 })
        var discriminator = Pix2Pix.patchGAN(inputChannels: 5, filters: 4, layers: 3, seed: 4)
        #expect(try discriminator.forward(TensorOperations.concatenateChannels([x, y])).shape == [1, 1, 2, 2])

        let r = try Tensor(shape: y.shape, values: (0..<y.count).map { _ in Float(random.next()) })
        let dx = try generator.backward(r)
        #expect(dx.shape == x.shape)
        let analytic = generator.gradients
        func loss(_ state: [String: Tensor]) throws -> Double {
            var probe = generator
            probe.state = state
            return zip(try probe.forward(x).values, r.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        for name in [
            "model.model.0.weight", "model.model.1.model.1.weight", "model.model.1.model.3.model.3.model.5.weight",
            "model.model.3.bias",
        ] {
            let base = generator.state
            let size = try #require(base[name], "\(name)").count
            for i in [0, size / 2, size - 1] {
                var up = base
                var down = base
                // A small step: larger ones cross the (leaky) ReLUs' kinks somewhere in 32² × 5 layers.
                up[name]!.values[i] += 3e-4
                down[name]!.values[i] -= 3e-4
                let numeric = (try loss(up) - loss(down)) / 6e-4
                let value = Double(try #require(analytic[name]).values[i])
                #expect(abs(value - numeric) <= 0.02 * max(1, abs(numeric)), "\(name)[\(i)]: \(value) vs \(numeric)")
            }
        }
    }

    /// A U-Net block's output is [LeakyReLU(x), inner], as pix2pix's in-place first layer makes it;
    /// its input gradient sums both paths through that LeakyReLU.
    @Test func skipCarriesTheInPlaceActivation() throws {
        let conv = Conv2d(ConvolutionShape(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 1), seed: 9)
        var block = SkipBlock([ActivationLayer(.leakyReLU(slope: 0.2)), conv], outermost: false)
        var random = Seeded(state: 77)
        let x = try Tensor(shape: [1, 2, 4, 4], values: (0..<32).map { _ in Float(random.next()) })
        let y = try block.forward(x)
        let skip = try TensorOperations.splitChannels(y, counts: [2, 3])[0]
        #expect(skip.values == x.values.map { $0 < 0 ? 0.2 * $0 : $0 })
        let r = try Tensor(shape: y.shape, values: (0..<y.count).map { _ in Float(random.next()) })
        let dx = try block.backward(r)
        let loss = { (v: [Double]) -> Double in
            var probe = block
            let out = try! probe.forward(Tensor(shape: x.shape, values: v.map(Float.init)))
            return zip(out.values, r.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        // float forward, so a larger step than expectGradient's; away from LeakyReLU's kink at 0.
        for i in x.values.indices where abs(x.values[i]) > 0.01 {
            var up = x.values.map(Double.init)
            var down = up
            up[i] += 1e-3
            down[i] -= 1e-3
            let numeric = (loss(up) - loss(down)) / 2e-3
            #expect(
                abs(Double(dx.values[i]) - numeric) < 2e-3 * max(1, abs(numeric)),
                "x[\(i)]: \(dx.values[i]) vs \(numeric)")
        }
    }
}

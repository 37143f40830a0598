/// The pix2pix networks (Isola et al. 2017, as junyanz/pytorch-CycleGAN-and-pix2pix builds them,
/// with batch normalisation): the U-Net generator and the PatchGAN discriminator, with the same
/// layer order and `state_dict` names, so their weights files load unchanged.

/// A module whose names all get "name." in front (an attribute of a PyTorch module).
public struct Named: Module {
    public let name: String
    public var inner: any Module

    public init(_ name: String, _ inner: any Module) {
        self.name = name
        self.inner = inner
    }

    public var state: [String: Tensor] {
        get { Dictionary(uniqueKeysWithValues: inner.state.map { ("\(name).\($0.key)", $0.value) }) }
        set {
            let prefix = "\(name)."
            inner.state = Dictionary(
                uniqueKeysWithValues: newValue.filter { $0.key.hasPrefix(prefix) }
                    .map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
    }
    public var trainableNames: [String] { inner.trainableNames.map { "\(name).\($0)" } }
    public var gradients: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: inner.gradients.map { ("\(name).\($0.key)", $0.value) })
    }
    public var training: Bool {
        get { inner.training }
        set { inner.training = newValue }
    }
    public mutating func forward(_ x: Tensor) throws -> Tensor { try inner.forward(x) }
    public mutating func backward(_ outputGradient: Tensor) throws -> Tensor { try inner.backward(outputGradient) }
    public mutating func zeroGradients() { inner.zeroGradients() }
}

/// `UnetSkipConnectionBlock`: its layers as `model` (a Sequential); every block but the outermost
/// returns [a, rest(a)] concatenated on channels, where a is the output of its first layer and
/// rest the remaining layers.
///
/// Why a and not the block's input x: pix2pix builds the first layer as `LeakyReLU(0.2, True)`,
/// in place, so by the time `torch.cat([x, self.model(x)], 1)` reads x it holds LeakyReLU(x).
/// The parent's ReLU, which always comes next, makes the two equal in value and gradient
/// (LeakyReLU keeps signs), but the block's own output, which a feature probe would read, is
/// PyTorch's only this way.
public struct SkipBlock: Module {
    public var body: Sequential
    public let outermost: Bool
    private var skipChannels = 0

    public init(_ layers: [any Module], outermost: Bool) {
        body = Sequential(layers)
        self.outermost = outermost
    }

    public var state: [String: Tensor] {
        get { Dictionary(uniqueKeysWithValues: body.state.map { ("model.\($0.key)", $0.value) }) }
        set {
            body.state = Dictionary(
                uniqueKeysWithValues: newValue.filter { $0.key.hasPrefix("model.") }.map {
                    (String($0.key.dropFirst(6)), $0.value)
                })
        }
    }
    public var trainableNames: [String] { body.trainableNames.map { "model.\($0)" } }
    public var gradients: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: body.gradients.map { ("model.\($0.key)", $0.value) })
    }
    public var training: Bool {
        get { body.training }
        set { body.training = newValue }
    }

    public mutating func forward(_ x: Tensor) throws -> Tensor {
        guard !outermost else { return try body.forward(x) }
        let a = try body.forward(x, layers: 0..<1)
        let y = try body.forward(a, layers: 1..<body.layers.count)
        skipChannels = a.shape[1]
        return try TensorOperations.concatenateChannels([a, y])
    }

    public mutating func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard !outermost else { return try body.backward(outputGradient) }
        let parts = try TensorOperations.splitChannels(
            outputGradient, counts: [skipChannels, outputGradient.shape[1] - skipChannels])
        let throughRest = try body.backward(parts[1], layers: 1..<body.layers.count)
        return try body.backward(try TensorOperations.add(parts[0], throughRest), layers: 0..<1)
    }

    public mutating func zeroGradients() { body.zeroGradients() }
}

public enum Pix2Pix {
    /// `UnetGenerator(input, output, downs, ngf, norm=batch, use_dropout)`: `downs` halvings (8 for
    /// 256² inputs), filters ngf, 2ngf, 4ngf, then 8ngf; dropout 0.5 in the three blocks next to the
    /// innermost when `dropout` is set. Convolutions before a batch norm have no bias, as in the
    /// original. Seeds are derived from `seed` per layer.
    public static func unet(
        inputChannels: Int, outputChannels: Int, downs: Int, filters ngf: Int, dropout: Bool, seed: UInt64
    ) -> Named {
        precondition(downs >= 5, "the U-Net needs at least 5 halvings")
        var next = seed
        func conv(_ i: Int, _ o: Int, up: Bool = false, bias: Bool = false) -> Conv2d {
            next &+= 1
            return Conv2d(
                ConvolutionShape(inputChannels: i, outputChannels: o, kernel: 4, stride: 2, padding: 1), transposed: up,
                bias: bias, seed: next)
        }
        func block(outer: Int, inner: Int, sub: SkipBlock?, drop: Bool = false) -> SkipBlock {
            var layers: [any Module] = [ActivationLayer(.leakyReLU(slope: 0.2)), conv(outer, inner)]
            if let sub {
                layers += [
                    Norm2d(.batch, channels: inner), sub, ActivationLayer(.relu), conv(2 * inner, outer, up: true),
                    Norm2d(.batch, channels: outer),
                ]
            } else {
                layers += [ActivationLayer(.relu), conv(inner, outer, up: true), Norm2d(.batch, channels: outer)]
            }
            if drop {
                next &+= 1
                layers.append(DropoutLayer(probability: 0.5, seed: next))
            }
            return SkipBlock(layers, outermost: false)
        }
        var b = block(outer: 8 * ngf, inner: 8 * ngf, sub: nil)
        for _ in 0..<(downs - 5) { b = block(outer: 8 * ngf, inner: 8 * ngf, sub: b, drop: dropout) }
        b = block(outer: 4 * ngf, inner: 8 * ngf, sub: b)
        b = block(outer: 2 * ngf, inner: 4 * ngf, sub: b)
        b = block(outer: ngf, inner: 2 * ngf, sub: b)
        let outermost = SkipBlock(
            [
                conv(inputChannels, ngf), b, ActivationLayer(.relu),
                conv(2 * ngf, outputChannels, up: true, bias: true),
                ActivationLayer(.tanh),
            ], outermost: true)
        return Named("model", outermost)
    }

    /// `NLayerDiscriminator(input, ndf, n_layers, norm=batch)`: 70 × 70 PatchGAN for 3 layers.
    public static func patchGAN(inputChannels: Int, filters ndf: Int, layers n: Int, seed: UInt64) -> Named {
        var next = seed
        func conv(_ i: Int, _ o: Int, stride: Int, bias: Bool) -> Conv2d {
            next &+= 1
            return Conv2d(
                ConvolutionShape(inputChannels: i, outputChannels: o, kernel: 4, stride: stride, padding: 1),
                bias: bias, seed: next)
        }
        var layers: [any Module] = [
            conv(inputChannels, ndf, stride: 2, bias: true), ActivationLayer(.leakyReLU(slope: 0.2)),
        ]
        var width = 1
        for k in 1...n {
            let previous = width
            width = min(1 << k, 8)
            layers += [
                conv(ndf * previous, ndf * width, stride: k == n ? 1 : 2, bias: false),
                Norm2d(.batch, channels: ndf * width),
                ActivationLayer(.leakyReLU(slope: 0.2)),
            ]
        }
        layers.append(conv(ndf * width, 1, stride: 1, bias: true))
        return Named("model", Sequential(layers))
    }
}

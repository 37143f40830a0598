/// The layers as modules, named as PyTorch names their parameters.

/// A module whose backward needs only its last input: the common bookkeeping of the layers below.
private struct Remembered {
    var input: Tensor?
    func get(_ layer: String) throws -> Tensor {
        guard let input else { throw NeuralError(.shape, "\(layer).backward called before forward") }
        return input
    }
}

/// Adds `g` into `gradients[name]` (creating it).
private func accumulate(_ gradients: inout [String: Tensor], _ name: String, _ g: Tensor) {
    if var sum = gradients[name] {
        for i in sum.values.indices { sum.values[i] += g.values[i] }
        gradients[name] = sum
    } else {
        gradients[name] = g
    }
}

/// `nn.Conv2d` (or `nn.ConvTranspose2d` when `transposed`): "weight" and, with a bias, "bias".
public struct Conv2d: Module {
    public let shape: ConvolutionShape
    public let transposed: Bool
    public var state: [String: Tensor]
    public private(set) var gradients: [String: Tensor] = [:]
    public var training = true
    private var remembered = Remembered()
    private var spare: Tensor?

    /// Weights drawn uniformly from ±1/√fan-in (PyTorch's default bound) with a seeded generator.
    public init(_ shape: ConvolutionShape, transposed: Bool = false, bias: Bool = true, seed: UInt64) {
        self.shape = shape
        self.transposed = transposed
        let weightShape = transposed ? TransposedConvolution.weightShape(shape) : shape.weightShape
        let fanIn = Float(weightShape[1] * weightShape[2] * weightShape[3])
        var generator = SeededUniform(seed: seed)
        var weight = Tensor(shape: weightShape)
        for i in weight.values.indices { weight.values[i] = generator.next() / fanIn.squareRoot() }
        state = ["weight": weight]
        if bias {
            var b = Tensor(shape: [shape.outputChannels])
            for i in b.values.indices { b.values[i] = generator.next() / fanIn.squareRoot() }
            state["bias"] = b
        }
    }

    public var trainableNames: [String] { state.keys.sorted() }

    public mutating func forward(_ x: Tensor) throws -> Tensor {
        remembered.input = x
        return transposed
            ? try TransposedConvolution.forward(x, weight: state["weight"]!, bias: state["bias"], shape: shape)
            : try Convolution.forward(x, weight: state["weight"]!, bias: state["bias"], shape: shape)
    }

    public mutating func backward(_ outputGradient: Tensor) throws -> Tensor {
        let x = try remembered.get("Conv2d")
        var weightGradient = gradients.removeValue(forKey: "weight") ?? reusedWeightGradient()
        let g =
            transposed
            ? try TransposedConvolution.backward(
                x, weight: state["weight"]!, outputGradient: outputGradient, shape: shape,
                addingWeightGradientTo: &weightGradient)
            : try Convolution.backward(
                x, weight: state["weight"]!, outputGradient: outputGradient, shape: shape,
                addingWeightGradientTo: &weightGradient)
        gradients["weight"] = weightGradient
        if state["bias"] != nil { accumulate(&gradients, "bias", g.bias) }
        return g.input
    }

    /// Clears the gradients (as PyTorch's `zero_grad(set_to_none=True)`: a layer with no backward
    /// since then reports none, so an optimiser leaves it alone) but keeps the weight gradient's
    /// memory for the next backward pass: a weight-sized tensor is not allocated every step.
    public mutating func zeroGradients() {
        spare = gradients.removeValue(forKey: "weight")
        gradients = [:]
    }

    /// The kept weight-gradient buffer, zeroed, or a new one.
    private mutating func reusedWeightGradient() -> Tensor {
        guard var g = spare else { return Tensor(shape: state["weight"]!.shape) }
        spare = nil
        g.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        return g
    }
}

/// `nn.BatchNorm2d` / `nn.InstanceNorm2d(affine=True)`: "weight", "bias", and for batch
/// statistics the buffers "running_mean", "running_var" and "num_batches_tracked" (training
/// steps taken, a scalar; PyTorch keeps it, fixed momentum does not use it).
public struct Norm2d: Module {
    public var layer: Normalization
    /// Forward passes in training mode with batch statistics.
    public var batchesTracked: Float = 0
    static let counterName = "num_batches_tracked"
    public private(set) var gradients: [String: Tensor] = [:]
    public var training = true
    private var cache: Normalization.Cache?

    public init(_ statistics: Normalization.Statistics, channels: Int) {
        layer = Normalization(statistics, channels: channels)
    }

    public var state: [String: Tensor] {
        get {
            var s = ["weight": layer.scale, "bias": layer.shift]
            if layer.statistics == .batch {
                s["running_mean"] = layer.runningMean
                s["running_var"] = layer.runningVariance
                s[Self.counterName] = try! Tensor(shape: [], values: [batchesTracked])
            }
            return s
        }
        set {
            if let w = newValue["weight"] { layer.scale = w }
            if let b = newValue["bias"] { layer.shift = b }
            if let m = newValue["running_mean"] { layer.runningMean = m }
            if let v = newValue["running_var"] { layer.runningVariance = v }
            if let t = newValue[Self.counterName]?.values.first { batchesTracked = t }
        }
    }

    public var trainableNames: [String] { ["bias", "weight"] }

    public mutating func forward(_ x: Tensor) throws -> Tensor {
        let (y, cache) = try layer.forward(x, training: training)
        self.cache = cache
        if training && layer.statistics == .batch { batchesTracked += 1 }
        return y
    }

    public mutating func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let cache else { throw NeuralError(.shape, "Norm2d.backward called before forward") }
        let g = try layer.backward(cache, outputGradient: outputGradient)
        accumulate(&gradients, "weight", g.scale)
        accumulate(&gradients, "bias", g.shift)
        return g.input
    }

    public mutating func zeroGradients() { gradients = [:] }
}

/// An activation as a module (no parameters). Keeps its input and output (shared storage, not
/// copies) for backward.
public struct ActivationLayer: Module {
    public let activation: Activation
    public var state: [String: Tensor] {
        get { [:] }
        set {}
    }
    public var trainableNames: [String] { [] }
    public var gradients: [String: Tensor] { [:] }
    public var training = true
    private var remembered = Remembered()
    private var output: Tensor?

    public init(_ activation: Activation) { self.activation = activation }

    public mutating func forward(_ x: Tensor) throws -> Tensor {
        remembered.input = x
        let y = activation.forward(x)
        output = y
        return y
    }

    public mutating func backward(_ outputGradient: Tensor) throws -> Tensor {
        let x = try remembered.get("\(activation)")
        return try activation.backward(
            input: x, output: output ?? activation.forward(x), outputGradient: outputGradient)
    }

    public mutating func zeroGradients() {}
}

/// `nn.Dropout(p)`: in training a fresh seeded mask per call (seed, then seed + 1, …); in
/// evaluation the identity.
public struct DropoutLayer: Module {
    public let probability: Float
    public var seed: UInt64
    public var state: [String: Tensor] {
        get { [:] }
        set {}
    }
    public var trainableNames: [String] { [] }
    public var gradients: [String: Tensor] { [:] }
    public var training = true
    private var mask: Tensor?

    public init(probability: Float, seed: UInt64) {
        self.probability = probability
        self.seed = seed
    }

    public mutating func forward(_ x: Tensor) throws -> Tensor {
        guard training else {
            mask = nil
            return x
        }
        let (y, mask) = try TensorOperations.dropout(x, probability: probability, seed: seed)
        seed &+= 1
        self.mask = mask
        return y
    }

    public mutating func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let mask else { return outputGradient }
        var g = outputGradient
        for i in g.values.indices { g.values[i] *= mask.values[i] }
        return g
    }

    public mutating func zeroGradients() {}
}

/// Uniform values in [−1, 1) from a 64-bit linear congruential generator: seeded initialisation.
struct SeededUniform {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 23) - 1
    }
}

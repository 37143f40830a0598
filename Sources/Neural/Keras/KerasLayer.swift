import Foundation

/// Keras's padding modes: `valid` (none) and `same` (TensorFlow's: output ⌈size / stride⌉, the
/// odd texel of padding after, at the bottom and right).
enum KerasPadding: String, Sendable {
    case valid, same

    /// Padding (before, after) along one axis of `size` for a window of `window` at `stride`.
    func amounts(size: Int, window: Int, stride: Int) -> (before: Int, after: Int) {
        guard self == .same else { return (0, 0) }
        let output = (size + stride - 1) / stride
        let total = max((output - 1) * stride + window - size, 0)
        return (total / 2, total - total / 2)
    }
}

/// The element-wise and per-row activations Keras names in `activation`.
enum KerasActivation: String, Sendable {
    case linear, relu, softmax, sigmoid, tanh
}

/// What one Keras layer computes at inference, with its weights already in the engine's layout
/// (NCHW; Keras's channels-last kernels transposed at load), batch normalisation folded into a
/// per-channel scale and shift.
enum KerasOperation: Sendable {
    case input
    /// Conv2D and DepthwiseConv2D (groups = input channels); Keras's kernel [kh, kw, in, out] or
    /// [kh, kw, in, multiplier] becomes [out, in / groups, kh, kw].
    case convolution(weight: Tensor, bias: Tensor?, shape: ConvolutionShape, padding: KerasPadding)
    /// SeparableConv2D: depthwise, then a 1×1 pointwise convolution, then the bias.
    case separable(
        depthwise: Tensor, depthwiseShape: ConvolutionShape, pointwise: Tensor, pointwiseShape: ConvolutionShape,
        bias: Tensor?, padding: KerasPadding)
    case batchNormalization(scale: [Float], shift: [Float])
    case activation(KerasActivation)
    case maxPooling(window: Int, stride: Int, padding: KerasPadding)
    case averagePooling(window: Int, stride: Int, padding: KerasPadding)
    case globalAveragePooling
    case add
    /// Keras's kernel [in, out] becomes [out, in].
    case dense(weight: Tensor, bias: Tensor?)
    /// Channels-last order: [N, C, H, W] → [N, H·W·C].
    case flatten
    /// Dropout and other layers that do nothing at inference.
    case identity
}

/// One layer of a `KerasModel`: its name, Keras class, inputs by layer name, what it computes and
/// the activation fused after it.
public struct KerasLayer: Sendable {
    public let name: String
    public let className: String
    public let inputs: [String]
    let operation: KerasOperation
    let activation: KerasActivation

    /// The layer kinds the loader reads; any other is refused by name.
    public static let supportedClasses = [
        "InputLayer", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "BatchNormalization", "Activation",
        "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "Add", "Dense", "Flatten", "Dropout",
    ]

    /// Parameters held (after batch normalisation is folded: 2 per channel).
    public var parameterCount: Int {
        switch operation {
        case .convolution(let w, let b, _, _): w.count + (b?.count ?? 0)
        case .separable(let d, _, let p, _, let b, _): d.count + p.count + (b?.count ?? 0)
        case .batchNormalization(let s, let t): s.count + t.count
        case .dense(let w, let b): w.count + (b?.count ?? 0)
        default: 0
        }
    }
}

/// Reads one layer's config and weights. `weights(name)` returns the layer's weight whose Keras
/// name ends in `name:0` (kernel, bias, gamma, …), nil when the layer has none of that name;
/// `channels` is the input's channel count.
struct KerasLayerReader {
    let name: String
    let className: String
    let config: [String: Any]
    let channels: Int
    let weight: (String) throws -> Tensor?

    func error(_ message: String) -> NeuralError {
        NeuralError(.mismatch, path: "layer '\(name)' (\(className))", message)
    }

    func required(_ weightName: String) throws -> Tensor {
        guard let t = try weight(weightName) else { throw error("missing weight '\(weightName)'") }
        return t
    }

    func integers(_ key: String) throws -> [Int] {
        if let list = config[key] as? [Int] { return list }
        if let one = config[key] as? Int { return [one, one] }
        throw error("config has no '\(key)'")
    }

    /// A square window or stride (Keras allows (h, w); the engine takes one value).
    func square(_ key: String) throws -> Int {
        let v = try integers(key)
        guard v.count == 2, v[0] == v[1] else { throw error("\(key) \(v) is not square, which is not supported") }
        return v[0]
    }

    func padding() throws -> KerasPadding {
        let raw = config["padding"] as? String ?? "valid"
        guard let p = KerasPadding(rawValue: raw) else { throw error("padding '\(raw)' is not supported") }
        return p
    }

    func activation() throws -> KerasActivation {
        let raw = config["activation"] as? String ?? "linear"
        guard let a = KerasActivation(rawValue: raw) else { throw error("activation '\(raw)' is not supported") }
        return a
    }

    func channelsLast() throws {
        let format = config["data_format"] as? String ?? "channels_last"
        guard format == "channels_last" else { throw error("data_format '\(format)' is not supported") }
        if let d = config["dilation_rate"], (d as? [Int]) != [1, 1], (d as? Int) != 1 {
            throw error("dilation \(d) is not supported")
        }
    }

    /// [kh, kw, in, out] → [out, in, kh, kw].
    static func convolutionKernel(_ k: Tensor) throws -> Tensor {
        guard k.rank == 4 else {
            throw NeuralError(.shape, "a Keras kernel is [kh, kw, in, out]", reason: "\(k.shape)")
        }
        let (kh, kw, ci, co) = (k.shape[0], k.shape[1], k.shape[2], k.shape[3])
        var out = Tensor(shape: [co, ci, kh, kw])
        for y in 0..<kh {
            for x in 0..<kw {
                for i in 0..<ci {
                    for o in 0..<co { out[o, i, y, x] = k.values[((y * kw + x) * ci + i) * co + o] }
                }
            }
        }
        return out
    }

    func operation() throws -> (KerasOperation, KerasActivation) {
        switch className {
        case "InputLayer": return (.input, .linear)
        case "Conv2D", "DepthwiseConv2D":
            try channelsLast()
            let depthwise = className == "DepthwiseConv2D"
            var kernel = try required(depthwise ? "depthwise_kernel" : "kernel")
            guard kernel.rank == 4, kernel.shape[2] == channels else {
                throw error("kernel \(kernel.shape) does not take \(channels) input channels")
            }
            if depthwise {  // [kh, kw, C, m] → [C·m, 1, kh, kw]: output c·m + j reads channel c
                kernel = try kernel.reshaped([kernel.shape[0], kernel.shape[1], 1, channels * kernel.shape[3]])
            }
            let converted = try Self.convolutionKernel(kernel)
            let bias = try weight("bias")
            let shape = ConvolutionShape(
                inputChannels: channels, outputChannels: converted.shape[0], kernel: try square("kernel_size"),
                stride: try square("strides"), groups: depthwise ? channels : 1)
            return (.convolution(weight: converted, bias: bias, shape: shape, padding: try padding()), try activation())
        case "SeparableConv2D":
            try channelsLast()
            let d = try required("depthwise_kernel")
            let p = try Self.convolutionKernel(try required("pointwise_kernel"))
            guard d.rank == 4, d.shape[2] == channels, p.shape[1] == channels * d.shape[3] else {
                throw error("depthwise \(d.shape) and pointwise kernels do not take \(channels) channels")
            }
            let depthwise = try Self.convolutionKernel(
                try d.reshaped([d.shape[0], d.shape[1], 1, channels * d.shape[3]]))
            let k = try square("kernel_size")
            let dShape = ConvolutionShape(
                inputChannels: channels, outputChannels: depthwise.shape[0], kernel: k, stride: try square("strides"),
                groups: channels)
            let pShape = ConvolutionShape(inputChannels: p.shape[1], outputChannels: p.shape[0], kernel: 1)
            return (
                .separable(
                    depthwise: depthwise, depthwiseShape: dShape, pointwise: p, pointwiseShape: pShape,
                    bias: try weight("bias"), padding: try padding()), try activation()
            )
        case "BatchNormalization":
            let axis = config["axis"] as? Int ?? -1
            guard axis == -1 || axis == 3 else { throw error("axis \(axis) is not the channel axis") }
            let epsilon = (config["epsilon"] as? Double) ?? 1e-3
            let mean = try required("moving_mean").values
            let variance = try required("moving_variance").values
            let gamma = try weight("gamma")?.values ?? [Float](repeating: 1, count: mean.count)
            let beta = try weight("beta")?.values ?? [Float](repeating: 0, count: mean.count)
            guard mean.count == channels, [variance.count, gamma.count, beta.count].allSatisfy({ $0 == channels })
            else { throw error("statistics do not have \(channels) channels") }
            let scale = (0..<channels).map { gamma[$0] / (variance[$0] + Float(epsilon)).squareRoot() }
            let shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
            return (.batchNormalization(scale: scale, shift: shift), .linear)
        case "Activation": return (.activation(try activation()), .linear)
        case "MaxPooling2D", "AveragePooling2D":
            try channelsLast()
            let window = try square("pool_size")
            let stride = (config["strides"] == nil || config["strides"] is NSNull) ? window : try square("strides")
            let pad = try padding()
            return (
                className == "MaxPooling2D"
                    ? .maxPooling(window: window, stride: stride, padding: pad)
                    : .averagePooling(window: window, stride: stride, padding: pad), .linear
            )
        case "GlobalAveragePooling2D":
            try channelsLast()
            return (.globalAveragePooling, .linear)
        case "Add": return (.add, .linear)
        case "Dense":
            let kernel = try required("kernel")
            // After Flatten the input's width is known only at run time (0 here); Dense checks it then.
            guard kernel.rank == 2, channels == 0 || kernel.shape[0] == channels else {
                throw error("kernel \(kernel.shape) does not take \(channels) inputs")
            }
            var transposed = Tensor(shape: [kernel.shape[1], kernel.shape[0]])
            for i in 0..<kernel.shape[0] {
                for o in 0..<kernel.shape[1] {
                    transposed.values[o * kernel.shape[0] + i] = kernel.values[i * kernel.shape[1] + o]
                }
            }
            return (.dense(weight: transposed, bias: try weight("bias")), try activation())
        case "Flatten": return (.flatten, .linear)
        case "Dropout": return (.identity, .linear)
        default:
            throw error(
                "layer kind '\(className)' is not supported (supported: \(KerasLayer.supportedClasses.joined(separator: ", ")))"
            )
        }
    }
}

/// A network part with named parameters: forward keeps what its backward needs; backward returns
/// the input's gradient and adds the parameters' gradients to `gradients`. Names are dotted paths
/// as PyTorch's `state_dict` spells them ("0.weight", "model.3.bias"), so weights files move
/// between the two unchanged.
public protocol Module {
    /// Parameters (and persistent buffers such as running statistics) by dotted name.
    var state: [String: Tensor] { get set }
    /// Names in `state` that training updates (buffers are left out).
    var trainableNames: [String] { get }
    /// Gradients accumulated since the last `zeroGradients`, by the same names.
    var gradients: [String: Tensor] { get }
    /// Training or evaluation behaviour (batch statistics, dropout).
    var training: Bool { get set }
    mutating func forward(_ x: Tensor) throws -> Tensor
    mutating func backward(_ outputGradient: Tensor) throws -> Tensor
    mutating func zeroGradients()
}

extension Module {
    /// Trainable values in all parameters.
    public var parameterCount: Int { trainableNames.reduce(0) { $0 + (state[$1]?.count ?? 0) } }

    /// Loads a weights file whose names and shapes match `state` exactly; otherwise one error
    /// listing every missing, unexpected and mis-shaped tensor.
    public mutating func load(_ file: WeightsFile, path: String? = nil) throws {
        state = try file.parameters(matching: state.mapValues(\.shape), path: path)
    }

    /// The state as a weights file; step counters (PyTorch's `num_batches_tracked`) stored as
    /// int64, as PyTorch stores them, so the file loads there under `strict=True`.
    public var weights: WeightsFile {
        let s = state
        let counters = s.keys.filter { $0 == Norm2d.counterName || $0.hasSuffix(".\(Norm2d.counterName)") }
        return WeightsFile(tensors: s, storage: Dictionary(uniqueKeysWithValues: counters.map { ($0, .i64) }))
    }
}

/// Modules in order; child k's names get the prefix "k." (PyTorch's `nn.Sequential`).
public struct Sequential: Module {
    public var layers: [any Module]

    public init(_ layers: [any Module]) { self.layers = layers }

    public var state: [String: Tensor] {
        get {
            var all: [String: Tensor] = [:]
            for (k, layer) in layers.enumerated() { for (name, t) in layer.state { all["\(k).\(name)"] = t } }
            return all
        }
        set {
            for k in layers.indices {
                let prefix = "\(k)."
                var mine: [String: Tensor] = [:]
                for (name, t) in newValue where name.hasPrefix(prefix) {
                    mine[String(name.dropFirst(prefix.count))] = t
                }
                layers[k].state = mine
            }
        }
    }

    public var trainableNames: [String] {
        layers.enumerated().flatMap { k, layer in layer.trainableNames.map { "\(k).\($0)" } }
    }

    public var gradients: [String: Tensor] {
        var all: [String: Tensor] = [:]
        for (k, layer) in layers.enumerated() { for (name, g) in layer.gradients { all["\(k).\(name)"] = g } }
        return all
    }

    public var training: Bool {
        get { layers.first?.training ?? true }
        set { for k in layers.indices { layers[k].training = newValue } }
    }

    public mutating func forward(_ x: Tensor) throws -> Tensor { try forward(x, layers: layers.indices) }

    public mutating func backward(_ outputGradient: Tensor) throws -> Tensor {
        try backward(outputGradient, layers: layers.indices)
    }

    /// Runs only the layers in `range`, in order.
    public mutating func forward(_ x: Tensor, layers range: Range<Int>) throws -> Tensor {
        var y = x
        for k in range { y = try layers[k].forward(y) }
        return y
    }

    /// The backward pass of `forward(_:layers:)` over the same range.
    public mutating func backward(_ outputGradient: Tensor, layers range: Range<Int>) throws -> Tensor {
        var g = outputGradient
        for k in range.reversed() { g = try layers[k].backward(g) }
        return g
    }

    public mutating func zeroGradients() { for k in layers.indices { layers[k].zeroGradients() } }
}

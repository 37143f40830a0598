import Foundation

/// A Keras 2 model (TensorFlow backend, channels last) read from the HDF5 file `model.save`
/// writes: the graph from the root's `model_config` attribute (a functional `Model` or a
/// `Sequential`), the weights from `model_weights/LAYER/` in the order its `weight_names`
/// attribute lists them. Inference only; the layer kinds are `KerasLayer.supportedClasses`, and a
/// file with any other kind, a missing weight or a broken graph is refused with the layer named.
public struct KerasModel: Sendable {
    /// Layers in the file's (topological) order.
    public let layers: [KerasLayer]
    /// The input's height, width and channels (Keras's `batch_input_shape` without the batch).
    public let inputShape: (height: Int, width: Int, channels: Int)
    /// The layer whose output `forward` returns.
    public let outputName: String
    /// The Keras version that wrote the file (its root attribute), if recorded.
    public let kerasVersion: String?

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Reads the file through libhdf5 in a bounded child process (`HDF5Snapshot`).
    public static func load(from url: URL) throws -> KerasModel {
        try load(HDF5Snapshot.read(url))
    }

    /// Decodes the snapshot bytes `fd_h5_read_keras` sends, for the fuzzer (which cannot follow
    /// its input into the child).
    @_spi(Fuzzing) public static func load(snapshot bytes: [UInt8], path: String) throws -> KerasModel {
        try load(HDF5Snapshot(decoding: bytes, path: path))
    }

    /// The snapshot bytes of `url`, for the fuzzer's seeds.
    @_spi(Fuzzing) public static func snapshotBytes(of url: URL) throws -> [UInt8] {
        try HDF5Snapshot.readPayload(url)
    }

    private static func load(_ file: HDF5Snapshot) throws -> KerasModel {
        do {
            return try KerasModel(file: file)
        } catch let error as NeuralError where error.path?.hasPrefix("layer '") == true {
            throw NeuralError(error.code, path: file.path, "\(error.path!): \(error.message)", cause: error.cause)
        }
    }

    private init(file: HDF5Snapshot) throws {
        let path = file.path
        func refuse(_ message: String) -> NeuralError { NeuralError(.malformed, path: path, message) }
        guard let text = try? file.strings("model_config").first else {
            throw refuse("no model_config attribute: a weights-only file, not a whole Keras model")
        }
        guard let config = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let className = config["class_name"] as? String
        else { throw refuse("model_config is not a Keras model description") }
        kerasVersion = try? file.strings("keras_version").first
        let described: [[String: Any]]
        let sequential = className == "Sequential"
        switch (className, config["config"]) {
        case ("Model", let c as [String: Any]), ("Functional", let c as [String: Any]):
            described = c["layers"] as? [[String: Any]] ?? []
        case ("Sequential", let c as [[String: Any]]): described = c
        case ("Sequential", let c as [String: Any]): described = c["layers"] as? [[String: Any]] ?? []
        default: throw refuse("model class '\(className)' is not supported (Model, Functional, Sequential)")
        }
        guard !described.isEmpty else { throw refuse("model_config lists no layers") }
        let root = file.exists("/model_weights") ? "/model_weights" : ""

        var channelsOut: [String: Int] = [:]
        var layers: [KerasLayer] = []
        var inputShape: [Int]? = nil
        for (index, entry) in described.enumerated() {
            guard let kind = entry["class_name"] as? String, let c = entry["config"] as? [String: Any],
                let name = c["name"] as? String
            else { throw refuse("layer \(index) of model_config has no class_name, config or name") }
            var inputs = Self.inboundNames(entry)
            if sequential, index > 0 || kind != "InputLayer" {
                if let previous = layers.last { inputs = [previous.name] }
            }
            if inputShape == nil, let shape = c["batch_input_shape"] as? [Any] {
                inputShape = shape.dropFirst().compactMap { $0 as? Int }
                if kind != "InputLayer" {  // a Sequential's first layer carries the input shape itself
                    layers.append(
                        KerasLayer(
                            name: "input", className: "InputLayer", inputs: [], operation: .input, activation: .linear))
                    channelsOut["input"] = inputShape?.last ?? 0
                    inputs = ["input"]
                }
            }
            for input in inputs where channelsOut[input] == nil {
                throw NeuralError(
                    .mismatch, path: "layer '\(name)' (\(kind))", "input '\(input)' is not an earlier layer")
            }
            let names = try Self.weightNames(file, root: root, layer: name)
            let reader = KerasLayerReader(
                name: name, className: kind, config: c,
                channels: inputs.first.flatMap { channelsOut[$0] } ?? (inputShape?.last ?? 0)
            ) { wanted in
                guard let found = names.first(where: { $0.hasSuffix("/\(wanted):0") || $0 == "\(wanted):0" }) else {
                    return nil
                }
                return try file.tensor("\(root)/\(name)/\(found)")
            }
            let (operation, activation) = try reader.operation()
            layers.append(
                KerasLayer(name: name, className: kind, inputs: inputs, operation: operation, activation: activation))
            channelsOut[name] = Self.outputChannels(operation, input: reader.channels)
        }
        guard let shape = inputShape, shape.count == 3 else { throw refuse("the model's input is not [H, W, C]") }
        self.layers = layers
        self.inputShape = (shape[0], shape[1], shape[2])
        // A functional model names its output; a Sequential's is its last layer.
        let named = ((config["config"] as? [String: Any])?["output_layers"] as? [[Any]])?.first?.first as? String
        if let named, !layers.contains(where: { $0.name == named }) {
            throw refuse("the output layer '\(named)' is not among the layers")
        }
        outputName = named ?? layers.last!.name
    }

    /// A functional layer's inputs: the first node's inbound layer names.
    private static func inboundNames(_ entry: [String: Any]) -> [String] {
        guard let nodes = entry["inbound_nodes"] as? [Any], let first = nodes.first as? [Any] else { return [] }
        return first.compactMap { ($0 as? [Any])?.first as? String }
    }

    /// The layer's weight names from its group's `weight_names` attribute (none: no weights).
    private static func weightNames(_ file: HDF5Snapshot, root: String, layer: String) throws -> [String] {
        let group = "\(root)/\(layer)"
        guard file.exists(group) else { return [] }
        return (try? file.strings("weight_names", of: group)) ?? []
    }

    private static func outputChannels(_ operation: KerasOperation, input: Int) -> Int {
        switch operation {
        case .convolution(let w, _, _, _): w.shape[0]
        case .separable(_, _, let p, _, _, _): p.shape[0]
        case .dense(let w, _): w.shape[0]
        case .flatten: 0
        default: input
        }
    }

    /// Runs the model on `input` [N, C, H, W] (NCHW: the engine's layout, the values as the model
    /// expects them). Returns the output layer's result ([N, K] after global pooling or a dense
    /// layer) and the outputs of the layers named in `keeping`.
    public func forward(_ input: Tensor, keeping: Set<String> = []) throws -> (output: Tensor, kept: [String: Tensor]) {
        let expected = [inputShape.channels, inputShape.height, inputShape.width]
        guard input.rank == 4, Array(input.shape[1...]) == expected else {
            throw NeuralError(
                .shape, "the model takes [N, \(expected.map(String.init).joined(separator: ", "))]",
                reason: "got \(input.shape)")
        }
        // Each output is dropped once its last reader has run.
        var lastUse: [String: Int] = [:]
        for (i, layer) in layers.enumerated() { for name in layer.inputs { lastUse[name] = i } }
        var values: [String: Tensor] = [:]
        var kept: [String: Tensor] = [:]
        for (i, layer) in layers.enumerated() {
            let arguments = try layer.inputs.map { name -> Tensor in
                guard let t = values[name] else {
                    throw NeuralError(.mismatch, "layer '\(layer.name)' reads '\(name)' before it is computed")
                }
                return t
            }
            var y = try KerasExecution.apply(layer.operation, to: layer.operation.isInput ? [input] : arguments)
            y = KerasExecution.activate(y, layer.activation)
            if keeping.contains(layer.name) { kept[layer.name] = y }
            values[layer.name] = y
            for name in layer.inputs where lastUse[name] == i && !keeping.contains(name) { values[name] = nil }
        }
        guard let output = values[outputName] else {
            throw NeuralError(.mismatch, "the output '\(outputName)' was not computed")
        }
        return (output, kept)
    }
}

extension KerasOperation {
    var isInput: Bool { if case .input = self { true } else { false } }
}

import Foundation
import Neural

/// The Deep Facial Detail Net as this project runs it (docs/details.md): pix2pix's U-Net (batch
/// norm, transposed-convolution up-sampling, tanh) applied fully convolutionally to the face tile
/// on a fixed grid, predicting the displacement in mm. The input planes are `DetailNetInput`'s.
public struct DetailNet {
    /// The shapes that must match between a weights file and the code that runs it.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Input planes (`DetailNetInput.planeCount`).
        public var inputChannels = DetailNetInput.planeCount
        /// ngf: filters of the outermost layer (doubling inward up to 8 ngf).
        public var filters = 16
        /// Halvings: the grid must be a multiple of 2^downs.
        public var downs = 6
        /// Side of the grid the network reads and writes: texels across the face tile (256 ≈ 1 mm
        /// per texel on the ICT face).
        public var grid = 256
        /// mm the tanh output's ±1 stands for.
        public var outputScale: Float = 2
        /// The last layer's initial scale relative to PyTorch's default (nil: 0.01, see `init`).
        public var outputInitScale: Float?
        public init() {}
    }

    public internal(set) var configuration: Configuration
    public var generator: Named

    /// A freshly initialised network (seeded, PyTorch's default initialisation), except that the
    /// last layer starts at 1 % of its usual scale: the untrained output is then ≈ 0 mm instead
    /// of ±0.3 mm of noise, which L1 otherwise spends hundreds of steps removing before the
    /// sparse wrinkles (a few per cent of the texels) get any of its gradient.
    public init(configuration: Configuration = Configuration(), seed: UInt64) {
        self.configuration = configuration
        generator = Pix2Pix.unet(
            inputChannels: configuration.inputChannels, outputChannels: 1, downs: configuration.downs,
            filters: configuration.filters, dropout: false, seed: seed)
        var state = generator.state
        for name in ["model.model.3.weight", "model.model.3.bias"] {
            guard var t = state[name] else { continue }
            for i in t.values.indices { t.values[i] *= configuration.outputInitScale ?? 0.01 }
            state[name] = t
        }
        generator.state = state
    }

    /// Reads a weights file written by `facedetail train detail`. Errors name the file.
    public init(contentsOf url: URL) throws {
        try self.init(file: try Self.read(url), path: url.path)
    }

    /// The safetensors file at `url`, or an error naming it.
    static func read(_ url: URL) throws -> WeightsFile {
        do {
            return try WeightsFile(contentsOf: url)
        } catch {
            throw ReconstructError(
                .damagedModel, path: url.path, "cannot read the detail network's weights", cause: error)
        }
    }

    /// The network a weights file describes: its `configuration` metadata fixes the shapes, and
    /// every tensor must match them (else one error listing what does not).
    /// A training checkpoint (`DetailTrainer.checkpoint`) is read too: its generator's tensors
    /// under the configuration of its options.
    public init(file: WeightsFile, path: String) throws {
        var file = file
        if file.metadata[Self.configurationKey] == nil, let text = file.metadata["options"],
            let options = try? JSONDecoder().decode(DetailTrainingOptions.self, from: Data(text.utf8))
        {
            file = WeightsFile(
                tensors: DetailTrainer.tensors(of: file, under: "generator."),
                metadata: [
                    Self.configurationKey: String(decoding: try JSONEncoder().encode(options.network), as: UTF8.self)
                ])
        }
        guard let text = file.metadata[Self.configurationKey],
            let configuration = try? JSONDecoder().decode(Configuration.self, from: Data(text.utf8))
        else {
            throw ReconstructError(
                .damagedModel, path: path, "not a detail network weights file",
                reason: "its metadata has no valid \"\(Self.configurationKey)\"")
        }
        self.init(configuration: configuration, seed: 0)
        do {
            try generator.load(file, path: path)
        } catch {
            throw ReconstructError(
                .damagedModel, path: path, "the detail network's weights do not fit its configuration", cause: error)
        }
        generator.training = false
    }

    static let configurationKey = "facedetail.detail_net"

    /// The generator's state with the configuration (and `metadata`) in the header.
    public func weightsFile(metadata: [String: String] = [:]) -> WeightsFile {
        var file = generator.weights
        file.metadata = metadata
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata[Self.configurationKey] = String(decoding: try! encoder.encode(configuration), as: UTF8.self)
        return file
    }

    /// The displacement (mm, n × n row-major) for a batch of input planes [N, C, n, n].
    public mutating func predict(_ planes: Tensor) throws -> Tensor {
        var out = try generator.forward(planes)
        let scale = configuration.outputScale
        for i in out.values.indices { out.values[i] *= scale }
        return out
    }

    /// Multiply–adds of one forward pass on the n × n grid: each convolution's
    /// (output positions × kernel area × input channels per group × output channels).
    public var multiplyAdds: Int {
        var total = 0
        var side = configuration.grid
        let widths = (0..<configuration.downs).map { configuration.filters * min(1 << $0, 8) }
        // Down path: 4×4 stride-2 convolutions.
        var channels = configuration.inputChannels
        for w in widths {
            side /= 2
            total += side * side * 16 * channels * w
            channels = w
        }
        // Up path: transposed 4×4 stride-2 convolutions, each reading the concatenated skip (the
        // innermost reads only its own output).
        for k in stride(from: widths.count - 1, through: 0, by: -1) {
            let input = k == widths.count - 1 ? widths[k] : 2 * widths[k]
            let output = k == 0 ? 1 : widths[k - 1]
            // A transposed convolution costs what its adjoint does: input positions × 16 × in × out.
            total += side * side * 16 * input * output
            side *= 2
        }
        return total
    }
}

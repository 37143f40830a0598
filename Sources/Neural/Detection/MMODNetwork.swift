/// A max-margin object detection network (dlib's `loss_mmod` over `input_rgb_image_pyramid`):
/// convolutions over a tiled pyramid of the image, one score map per sliding window, decoded
/// into boxes by threshold and non-max suppression exactly as dlib decodes them. The weights
/// come from outside (a reader of dlib's file); the engine runs the convolutions tiled on both
/// cores. Each affine (a frozen batch norm) is folded into the convolution before it.
public struct MMODNetwork: Sendable {
    /// One computational layer as dlib's file holds it, input side first.
    public enum Layer: Sendable {
        case convolution(ConvolutionShape, weight: Tensor, bias: Tensor?)
        /// Per channel: y = scale · x + shift.
        case affine(scale: [Float], shift: [Float])
        case relu
    }

    /// A sliding window, pixels of the pyramid canvas.
    public struct Window: Sendable, Equatable {
        public let width: Int, height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }

    /// How the canvas is built and the score maps decoded.
    public struct Settings: Sendable {
        /// Mean red, green and blue on the 0–255 scale, subtracted before dividing by 256.
        public var means: SIMD3<Float>
        public var pyramidDown: Int, pyramidPadding: Int, pyramidOuterPadding: Int
        public var windows: [Window]
        /// Non-max suppression: a box overlapping a stronger one by more than `overlap` (its
        /// intersection over the pair's bounding rectangle, dlib's measure) or covering more than
        /// `covered` of either box is dropped.
        public var overlap: Double, covered: Double

        public init(
            means: SIMD3<Float>, pyramidDown: Int, pyramidPadding: Int, pyramidOuterPadding: Int, windows: [Window],
            overlap: Double, covered: Double
        ) {
            self.means = means
            self.pyramidDown = pyramidDown
            self.pyramidPadding = pyramidPadding
            self.pyramidOuterPadding = pyramidOuterPadding
            self.windows = windows
            self.overlap = overlap
            self.covered = covered
        }
    }

    /// A convolution with its folded affine and whether a ReLU follows.
    struct Stage: Sendable {
        let shape: ConvolutionShape
        let weight: Tensor
        let bias: Tensor
        let rectified: Bool
        /// The filters transformed for `WinogradConvolution`, when the shape suits it.
        let winograd: WinogradConvolution.Kernels?

        init(shape: ConvolutionShape, weight: Tensor, bias: Tensor, rectified: Bool) {
            (self.shape, self.weight, self.bias, self.rectified) = (shape, weight, bias, rectified)
            winograd = WinogradConvolution.suits(shape) ? WinogradConvolution.kernels(weight, shape: shape) : nil
        }
    }

    let stages: [Stage]
    public let settings: Settings

    /// Throws when the layers are not convolutions each optionally followed by an affine and a
    /// ReLU, when their channels do not chain from 3, or when the last does not give one map per window.
    public init(layers: [Layer], settings: Settings) throws {
        var stages: [Stage] = []
        var channels = 3
        var i = 0
        while i < layers.count {
            guard case .convolution(let shape, var weight, let bias) = layers[i] else {
                throw NeuralError(.mismatch, "layer \(i) of the detection network", reason: "expected a convolution")
            }
            guard shape.inputChannels == channels, shape.groups == 1, weight.shape == shape.weightShape else {
                throw NeuralError(
                    .mismatch, "convolution \(i) of the detection network",
                    reason: "takes \(shape.inputChannels) channels where \(channels) arrive")
            }
            var shift = bias ?? Tensor(shape: [shape.outputChannels])
            i += 1
            if i < layers.count, case .affine(let scale, let offset) = layers[i] {
                guard scale.count == shape.outputChannels, offset.count == shape.outputChannels else {
                    throw NeuralError(
                        .mismatch, "affine layer \(i) of the detection network",
                        reason: "has \(scale.count) channels after a \(shape.outputChannels)-filter convolution")
                }
                let taps = weight.count / shape.outputChannels
                for o in 0..<shape.outputChannels {
                    for t in 0..<taps { weight.values[o * taps + t] *= scale[o] }
                    shift.values[o] = shift.values[o] * scale[o] + offset[o]
                }
                i += 1
            }
            var rectified = false
            if i < layers.count, case .relu = layers[i] {
                rectified = true
                i += 1
            }
            stages.append(Stage(shape: shape, weight: weight, bias: shift, rectified: rectified))
            channels = shape.outputChannels
        }
        guard let last = stages.last, last.shape.outputChannels == settings.windows.count, !last.rectified else {
            throw NeuralError(
                .mismatch, "the detection network's last layer",
                reason: "must give one unrectified score map per window (\(settings.windows.count))")
        }
        self.stages = stages
        self.settings = settings
    }

    /// Activations kept between calls, so repeated detection allocates nothing once warm.
    public struct Buffers: Sendable {
        var canvas = Tensor(shape: [])
        var pyramid: TiledPyramid?
        var activations: [Tensor] = []
        /// Seconds the last call spent building the canvas, then in each convolution (for benches).
        public internal(set) var stageSeconds: [Double] = []
        public init() {}
    }

    /// The score maps for an interleaved 8-bit RGB image, [1, windows, rows, cols], and the
    /// pyramid they were computed over.
    public func scores(rgb: [UInt8], width: Int, height: Int, buffers: inout Buffers) throws -> (
        Tensor, TiledPyramid
    ) {
        let pyramid = TiledPyramid(
            width: width, height: height, downFactor: settings.pyramidDown, padding: settings.pyramidPadding,
            outerPadding: settings.pyramidOuterPadding)
        let clock = ContinuousClock()
        var mark = clock.now
        func lap() -> Double {
            let now = clock.now
            defer { mark = now }
            let d = (now - mark).components
            return Double(d.seconds) + Double(d.attoseconds) * 1e-18
        }
        pyramid.fill(&buffers.canvas, previous: buffers.pyramid, rgb: rgb, means: settings.means)
        buffers.stageSeconds = [lap()]
        buffers.pyramid = pyramid
        if buffers.activations.count != stages.count {
            buffers.activations = Array(repeating: Tensor(shape: []), count: stages.count)
        }
        for (k, stage) in stages.enumerated() {
            let input = k == 0 ? buffers.canvas : buffers.activations[k - 1]
            if let kernels = stage.winograd {
                WinogradConvolution.forward(
                    input, kernels: kernels, bias: stage.bias.values, rectify: stage.rectified,
                    into: &buffers.activations[k])
            } else if TapConvolution.suits(stage.shape) {
                try TapConvolution.forward(
                    input, weight: stage.weight, shape: stage.shape, into: &buffers.activations[k])
                let plane = buffers.activations[k].shape[2] * buffers.activations[k].shape[3]
                buffers.activations[k].values.withUnsafeMutableBufferPointer {
                    Convolution.Epilogue(bias: stage.bias.values, rectify: stage.rectified).apply(
                        $0.baseAddress!, stride: plane, rows: stage.shape.outputChannels, count: plane, firstChannel: 0)
                }
            } else {
                try Convolution.forward(
                    input, weight: stage.weight, bias: stage.bias, shape: stage.shape, into: &buffers.activations[k],
                    rectifying: stage.rectified)
            }
            buffers.stageSeconds.append(lap())
        }
        return (buffers.activations[stages.count - 1], pyramid)
    }

    /// Where score-map position (column, row) sits on the canvas: each convolution's
    /// output-to-input map (position · stride − padding + kernel/2), output side first.
    func canvasPoint(column: Int, row: Int) -> (x: Double, y: Double) {
        var (x, y) = (Double(column), Double(row))
        for stage in stages.reversed() {
            let s = stage.shape
            x = x * Double(s.stride) - Double(s.padding) + Double(s.kernel.width / 2)
            y = y * Double(s.stride) - Double(s.padding) + Double(s.kernel.height / 2)
        }
        return (x, y)
    }
}

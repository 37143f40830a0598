import Formats
import Foundation
import Neural

/// `--detail dfdn`: the Deep Facial Detail Net (docs/details.md) trained by `facedetail train
/// detail`. The unwrap is averaged onto the network's grid (256² over the face tile), the network
/// predicts the displacement in mm there, which fades out where the photo did not see the
/// surface, is clamped to ±4 mm and interpolated up to the texture's side.
public struct LearnedDetail: DetailSynthesizer {
    public let id = "dfdn"
    /// The weights file; read by `loaded()` (the pipeline does it once, up front) or, failing
    /// that, on each call.
    public let weightsURL: URL
    private var weights: WeightsFile?

    /// Environment variable naming the weights file.
    public static let environmentVariable = "FACEDETAIL_DETAIL_WEIGHTS"

    /// $FACEDETAIL_DETAIL_WEIGHTS; else the shipped weights/dfdn.safetensors in the working
    /// directory, or in the nearest folder above the executable that has it (a checkout's
    /// .build/<triple>/release/facedetail finds the checkout's file from anywhere).
    public static func defaultURL() -> URL {
        if let path = ProcessInfo.processInfo.environment[environmentVariable] { return URL(fileURLWithPath: path) }
        let relative = "weights/dfdn.safetensors"
        let here = URL(fileURLWithPath: relative)
        if FileManager.default.fileExists(atPath: here.path) { return here }
        if let installed = ModelFolders.installedShareFolder?.appendingPathComponent(relative),
            FileManager.default.fileExists(atPath: installed.path)
        {
            return installed
        }
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return here
    }

    public init(weights: URL = LearnedDetail.defaultURL()) { weightsURL = weights }

    /// The same synthesizer with its weights read and checked: a missing, truncated or
    /// mis-shaped file fails here, naming it.
    public func loaded() throws -> LearnedDetail {
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ReconstructError(
                .missingData, path: weightsURL.path, "the detail network's weights are missing",
                reason: "pass --detail-weights, set $\(Self.environmentVariable), or use --detail sfs")
        }
        let file = try DetailNet.read(weightsURL)
        _ = try DetailNet(file: file, path: weightsURL.path)
        var copy = self
        copy.weights = file
        return copy
    }

    public func prepared(weights: URL?) throws -> any DetailSynthesizer {
        try LearnedDetail(weights: weights ?? weightsURL).loaded()
    }

    public func synthesize(_ input: DetailInput) throws -> DetailResult {
        let file = try weights ?? loaded().weights!
        var net = try DetailNet(file: file, path: weightsURL.path)
        let n = net.configuration.grid
        let size = input.texture.width
        guard size % n == 0, (size / n).nonzeroBitCount == 1 else {
            throw ReconstructError(
                .invalidArgument,
                "the texture side (\(size)) must be the detail network's grid (\(n)) times a power of two")
        }
        let surface = SurfaceBuffer(mesh: input.proxy, rotation: input.rotation, size: n)
        let count = net.configuration.inputChannels
        let planes = DetailNetInput.planes(texture: input.texture, surface: surface, count: count)
        let predicted = try net.predict(Tensor(shape: [1, count, n, n], values: planes)).values
        let d = Self.finished(predicted, alpha: Array(planes[(n * n)..<(2 * n * n)]), surface: surface)
        let values = DisplacementSolver.prolonged(d, from: n, to: size)
        let (samples, appearance) = try ShadingDetail().robustAppearance(texture: input.texture, surface: surface)
        let errors = (
            photometricError(samples, appearance, surface: surface) { surface.normals[$0] },
            photometricError(samples, appearance, surface: surface) { surface.displacedNormal($0, d) }
        )
        return DetailResult(
            displacement: DisplacementMap(values: try Image(width: size, height: size, channels: 1, pixels: values)),
            appearance: appearance, workingSize: n, synthesizerID: id, photometricError: errors)
    }

    /// Zero off the face tile, faded out over ≈ 2 texels where alpha (visibility × facing) is
    /// below 0.05 (the photo did not see the surface: no data, no detail), clamped to ±4 mm.
    static func finished(_ d: [Float], alpha: [Float], surface: SurfaceBuffer) -> [Float] {
        let n = surface.size
        let seen = alpha.map { $0 > 0.05 ? Float(1) : 0 }
        let fade = weightedBlur(seen, weights: [Float](repeating: 1, count: n * n), size: n, radius: 2)
        return (0..<(n * n)).map { i in
            guard surface.covered[i] else { return 0 }
            return min(4, max(-4, d[i] * min(1, 2 * fade[i])))
        }
    }
}

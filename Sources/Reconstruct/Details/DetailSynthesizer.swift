import Formats
import Foundation

/// What a detail synthesizer sees: the unwrapped photo and the proxy it was unwrapped from.
public struct DetailInput: Sendable {
    /// RGBA 8-bit, square, alpha = visibility × facing (`TextureUnwrapper`).
    public var texture: Image<UInt8>
    /// The fitted proxy: positions in mm, the model's UVs (face tile [0, 1]²).
    public var proxy: Mesh
    /// Rows of the camera rotation (model axes into x right, y up, z toward the viewer).
    public var rotation: [SIMD3<Double>]
    /// Side of the grid the detail is solved on: the texture's side divided by a power of two
    /// (see `DetailInput.workingSize`); the result is interpolated up to the texture's side.
    public var workingSize: Int

    public init(texture: Image<UInt8>, proxy: Mesh, rotation: [SIMD3<Double>], workingSize: Int) {
        self.texture = texture
        self.proxy = proxy
        self.rotation = rotation
        self.workingSize = workingSize
    }

    /// The texture side halved while it still holds at least `pixelsAcross` texels (the photo's
    /// pixels across the tile: finer grids only interpolate the photo) and stays ≥ 256, then
    /// halved further while above `limit` (the solve's cost grows with the grid's area).
    public static func workingSize(textureSize: Int, pixelsAcross: Double, limit: Int = 2048) -> Int {
        var size = textureSize
        while size % 2 == 0, size / 2 >= 256, Double(size / 2) >= pixelsAcross { size /= 2 }
        while size % 2 == 0, size > limit { size /= 2 }
        return size
    }
}

/// A detail synthesizer's answer.
public struct DetailResult: Sendable {
    /// mm, at the texture's size (DESIGN.md §3 sign and texel convention).
    public var displacement: DisplacementMap
    /// The light and albedo the synthesizer assumed, on its working grid, when it has a model.
    public var appearance: AppearanceEstimate?
    public var workingSize: Int
    /// The `id` of the synthesizer that made it.
    public var synthesizerID: String
    /// RMS colour error (linear RGB, 0–1) over the visible texels of the working grid: the proxy
    /// re-rendered with the estimated light and albedo, and the detailed surface likewise.
    public var photometricError: (proxy: Double, detailed: Double)?
}

/// One way to turn the unwrapped photo into a displacement map. The shading solve (`sfs`) is the
/// first; the learned Deep Facial Detail Net slots in beside it.
public protocol DetailSynthesizer: Sendable {
    /// The `--detail` name.
    var id: String { get }
    func synthesize(_ input: DetailInput) throws -> DetailResult
    /// The synthesizer ready to run, its data (weights) read from `weights` or its default and
    /// checked: the pipeline calls this once, so a bad file fails before any photo is read.
    func prepared(weights: URL?) throws -> any DetailSynthesizer
}

extension DetailSynthesizer {
    /// Synthesizers without data files are ready as they are.
    public func prepared(weights: URL?) throws -> any DetailSynthesizer { self }
}

/// `--detail none`: a zero displacement map (the proxy is the final surface).
public struct NoDetail: DetailSynthesizer {
    public let id = "none"
    public init() {}
    public func synthesize(_ input: DetailInput) throws -> DetailResult {
        let n = input.texture.width
        return DetailResult(
            displacement: DisplacementMap(values: Image<Float>(width: n, height: n, channels: 1)),
            appearance: nil, workingSize: input.workingSize, synthesizerID: id, photometricError: nil)
    }
}

/// The synthesizers `--detail` names, in one table: adding one is its file plus one line here.
public enum DetailSynthesizers {
    public static let all: [any DetailSynthesizer] = [ShadingDetail(), LearnedDetail(), NoDetail()]
    public static func named(_ id: String) -> (any DetailSynthesizer)? { all.first { $0.id == id } }
    /// Every id, in table order (what `--detail` accepts).
    public static var ids: [String] { all.map(\.id) }
}

/// RMS colour error of the model over the weighted texels: normals from `normal(i)`.
func photometricError(
    _ samples: ShadingSamples, _ appearance: AppearanceEstimate, surface: SurfaceBuffer,
    normal: (Int) -> SIMD3<Float>
) -> Double {
    var sum: Double = 0
    var weight: Double = 0
    for i in samples.weights.indices where samples.weights[i] > 0 && surface.covered[i] {
        let e = samples.colours[i] - appearance.rendered(i, normal: normal(i))
        sum += Double(samples.weights[i]) * Double(dot(e, e)) / 3
        weight += Double(samples.weights[i])
    }
    return weight > 0 ? (sum / weight).squareRoot() : 0
}

import Formats

/// Which map files a reconstruction writes besides displacement.exr (DESIGN.md §3).
public enum MapFileType: String, Codable, CaseIterable, Sendable, Comparable {
    /// Half-float normal.exr and detailed_normal.exr (raw vectors).
    case exr
    /// 16-bit normal.png, detailed_normal.png (n·0.5+0.5) and displacement.png ([−r, r] mm).
    case png

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// How the proxy is fitted: to the 68 landmarks only (the paper's fit), or then refined against
/// the photo's pixels (`DenseFitter`: photometric term with SH light and a smooth albedo).
public enum FitMethod: String, Codable, CaseIterable, Sendable {
    case landmarks
    case dense
}

/// Everything that decides what `ReconstructionPipeline` makes of a photo, recorded as it is in
/// manifest.json's `options`. The defaults are the CLI's.
public struct ReconstructionOptions: Codable, Sendable, Equatable {
    /// The model part the proxy is fitted with (and the default model file's name).
    public var region: ICTImporter.Region = .face
    /// The proxy fit's camera and the focal length it assumes without EXIF.
    public var lens = LensPolicy()
    /// Landmarks only, or refined against the photo.
    public var fit: FitMethod = .dense
    /// The expression prior the fit starts from (docs/expression-prior.md), and how it is used.
    public var expressionPrior: ExpressionPriorKind = .emotion
    public var expressionPriorUse: ExpressionPriorUse = .mean
    /// Side of the unwrapped texture and of every map, texels (512–4096).
    public var uvSize = 2048
    /// Id of the detail synthesizer (`DetailSynthesizers`); nil stops after the proxy: no detail
    /// maps, no detailed mesh.
    public var detail: String? = LearnedDetail().id
    /// The detail synthesizer's data file (`dfdn`'s weights); nil: its default.
    public var detailWeights: String?
    /// Subdivision levels of the detailed mesh, 0–3 (each ×4 faces).
    public var subdivision = 2
    /// Mesh format ids (registry ids), in the order given; each writes proxy.EXT and detailed.EXT.
    public var formats: [String] = ["fbx", "obj", "glb2"]
    /// Map file types besides displacement.exr, which is always written.
    public var maps: [MapFileType] = [.png]
    /// Length unit of formats without one of their own (OBJ, PLY, STL).
    public var units: LengthUnit = .centimetre
    /// Give the proxy and the detailed mesh the model's expression blendshapes as morph targets,
    /// the fitted expression as their default weights (`MorphableModel.rig`).
    public var rig = false
    /// Also write debug.png: the wireframe and the detected and fitted landmarks over the photo.
    public var debugOverlay = false
    /// Record per-stage wall-clock times in the manifest (off by default: they differ between
    /// runs, and the same input must give byte-identical files).
    public var timingsInManifest = false

    public init() {}

    /// Texture sides the unwrap and the maps accept, texels.
    public static let uvSizes = 512...4096
    /// Subdivision levels of the detailed mesh.
    public static let subdivisionLevels = 0...3

    /// Throws `.invalidArgument` for a value outside what the pipeline accepts.
    public func validated(registry: FormatRegistry = .standard) throws -> Self {
        func refuse(_ message: String) -> ReconstructError { ReconstructError(.invalidArgument, message) }
        guard Self.uvSizes.contains(uvSize) else {
            throw refuse("the texture size must be within 512…4096 (got \(uvSize))")
        }
        guard Self.subdivisionLevels.contains(subdivision) else {
            throw refuse("subdivision levels must be within 0…3 (got \(subdivision))")
        }
        if let detail, DetailSynthesizers.named(detail) == nil {
            throw refuse("no detail synthesizer '\(detail)' (known: \(DetailSynthesizers.ids.joined(separator: ", ")))")
        }
        for id in formats where registry.format(id: id)?.meshWriter == nil {
            throw refuse("\(id) is not a mesh format facedetail writes")
        }
        if let f = lens.focalLength, !LensPolicy.focalLengths.contains(f) {
            throw refuse("the focal length must be within 8…2000 mm, 35 mm equivalent (got \(f))")
        }
        guard !maps.isEmpty else {
            throw refuse("at least one map file type (exr or png) is needed for the normal maps")
        }
        var normalised = self
        normalised.maps = Array(Set(maps)).sorted()
        return normalised
    }
}

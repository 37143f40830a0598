import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail reconstruct PHOTO... -o OUT`: the proxy face, its texture, the detail maps, the
/// detailed mesh and the records (docs/reconstruct.md), through `ReconstructionPipeline`.
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Reconstruct a 3D face with fine detail from each photo.",
        discussion: """
            For PHOTO named NAME, writes OUT/NAME/: proxy.<ext> and detailed.<ext> per format, \
            texture.png (RGBA, alpha = visibility × facing), displacement.exr (float mm, outward +), \
            normal and detailed_normal maps (--maps), landmarks.json, manifest.json \
            (docs/reconstruct.md, docs/details.md). A folder appears complete or not at all, \
            replacing the previous one. A batch goes on past failures. Exit codes: 0 all photos \
            done; 1 a photo failed; 2 only faceless photos failed; 64 bad command line.
            """)

    @OptionGroup var inputs: PhotoInputs
    @Option(
        help: """
            A file listing the photos, one path per line (relative paths from the list's folder;             # comments), instead of PHOTO arguments (docs/batch.md).
            """)
    var manifest: String?
    @Option(help: "With --manifest: only shard I of N (0-based, every N-th photo from the I-th): 0/4 … 3/4.")
    var shard: PhotoList.Shard?
    @Option(name: .shortAndLong, help: "Output folder; each photo gets OUT/NAME/.") var output: String
    @Option(help: "Mesh formats, comma-separated registry ids or extensions (`facedetail formats`).")
    var formats = CommaSeparated(["fbx", "obj", "glb2"].map(MeshFormatID.init(id:)))
    @Option(parsing: .unconditional, help: "Texture size in texels, 512–4096.") var uvSize = 2048
    @OptionGroup var model: ModelOptions
    @OptionGroup var units: UnitOptions
    @Flag(help: "Stop after the proxy: fitted mesh and texture, no detail maps or detailed mesh.") var proxyOnly = false
    @Option(help: "Detail synthesizer (docs/details.md; none: flat maps).")
    var detail = DetailSynthesizerID(argument: "dfdn")!
    @Option(
        help: """
            Map files, comma-separated: png (16-bit normal.png, displacement.png; the default), exr \
            (half-float normal.exr); displacement.exr always.
            """)
    var maps = CommaSeparated([MapFileType.png])
    @Option(
        help: """
            Proxy-fit camera: perspective (the default: a pinhole at the photo's focal length: \
            --focal-length, else EXIF FocalLengthIn35mmFilm, else 50 mm) or orthographic (weak perspective).
            """)
    var camera = CameraModel.perspective
    @Option(
        parsing: .unconditional,
        help: "35 mm-equivalent focal length in mm for the perspective camera (overrides EXIF).")
    var focalLength: Double?
    @Option(
        help: """
            Proxy fit: landmarks (the 68 points only) or dense (then refined against the photo's pixels: \
            shading, light and albedo; docs/reconstruct.md).
            """)
    var fit = FitMethod.dense
    @Option(
        help: """
            Expression prior of the fit: emotion (EmotionNet and the landmarks matched in the expression \
            dictionary give β_prior; docs/expression-prior.md) or none (the neutral face).
            """)
    var expressionPrior = ReconstructionOptions().expressionPrior
    @Option(help: "How the fit uses β_prior: mean (of its expression regulariser) or fixed (β held at it).")
    var expressionPriorUse = ReconstructionOptions().expressionPriorUse
    @Option(help: "fer's EmotionNet (default: $\(ModelFile.folderVariable) or ./models, emotion_model.hdf5).")
    var emotionModel: String?
    @Option(
        help: "Expression dictionary (default: $\(ModelFile.folderVariable) or ./models, expression-dictionary.fdxd).")
    var expressionDictionary: String?
    @Option(
        help:
            "Weights of --detail dfdn (default $\(LearnedDetail.environmentVariable), else weights/dfdn.safetensors)."
    )
    var detailWeights: String?
    @Option(parsing: .unconditional, help: "Subdivision levels of the detailed mesh, 0–3 (each ×4 faces).")
    var subdiv = 2
    @Flag(
        help: """
            Give the proxy and detailed meshes the model's 53 expression blendshapes as morph targets, the \
            fitted expression as their default weights (glb, gltf, fbx, usda keep them; docs/reconstruct.md).
            """)
    var rig = false
    @Flag(help: "Also write debug.png: detected (red) and fitted (green) landmarks over the wireframe.") var debug =
        false
    @Flag(help: "Record per-stage wall-clock times in manifest.json (outputs then differ between runs).") var timings =
        false
    @OptionGroup var report: ReportOptions
    @OptionGroup var landmarkModel: LandmarkModelOptions

    var options: ReconstructionOptions {
        var o = ReconstructionOptions()
        o.region = model.region
        o.uvSize = uvSize
        o.detail = proxyOnly ? nil : detail.id
        o.detailWeights = detailWeights
        o.subdivision = subdiv
        o.lens = LensPolicy(camera: camera, focalLength: focalLength)
        o.fit = fit
        o.expressionPrior = expressionPrior
        o.expressionPriorUse = expressionPriorUse
        o.formats = formats.values.map(\.id)
        o.maps = maps.values
        o.units = units.units
        o.debugOverlay = debug
        o.rig = rig
        o.timingsInManifest = timings
        return o
    }

    func validate() throws {
        guard !output.isEmpty else { throw ValidationError("-o/--output must name a folder (got an empty path)") }
        if shard != nil && manifest == nil { throw ValidationError("--shard needs --manifest LIST") }
        guard inputs.photos.isEmpty != (manifest == nil) else {
            throw ValidationError("give photos or --manifest LIST (one of them)")
        }
        if let empty = inputs.photos.first(where: \.isEmpty) {
            throw ValidationError("a photo path is empty ('\(empty)')")
        }
        if let focalLength {
            guard LensPolicy.focalLengths.contains(focalLength) else {
                throw ValidationError("--focal-length must be within 8…2000 mm (got \(focalLength))")
            }
            guard camera == .perspective else {
                throw ValidationError("--focal-length needs the perspective camera, not --camera orthographic")
            }
        }
        guard ReconstructionOptions.uvSizes.contains(uvSize) else {
            throw ValidationError("--uv-size must be within 512…4096 (got \(uvSize))")
        }
        guard ReconstructionOptions.subdivisionLevels.contains(subdiv) else {
            throw ValidationError("--subdiv must be within 0…3 (got \(subdiv))")
        }
    }

    func run() throws {
        var pipeline = try ReconstructionPipeline(
            options: options, modelFile: model.url, landmarkModel: landmarkModel.url,
            faces: landmarkModel.finderOptions(), detectorModel: landmarkModel.detectorURL,
            emotionModel: emotionModel.map { URL(fileURLWithPath: $0) },
            expressionDictionary: expressionDictionary.map { URL(fileURLWithPath: $0) })
        pipeline.imageLimits = inputs.imageLimits.limits
        let batch = try ReconstructBatch(manifest: manifest, shard: shard, photos: inputs.photos)
        var upToDate: Set<String> = []
        let outcome = forEachPhoto(batch.paths, uniqueNames: true) { url, name in
            let folder = URL(fileURLWithPath: output).appendingPathComponent(name)
            if batch.skipsUpToDate(url, folder: folder, pipeline: pipeline) {
                upToDate.insert(url.path)
                if !report.json { Diagnostics.say("\(url.path): \(folder.path)/ is up to date") }
                return
            }
            let result = try pipeline.reconstruct(url)
            if let other = result.proxyStage.competingFace {
                let chosen = result.face.detectorBox
                let sizes = String(
                    format:
                        "the largest face (%.0f×%.0f px at %.0f, %.0f), but another face (%.0f×%.0f px at %.0f, %.0f)",
                    chosen.width, chosen.height, chosen.x, chosen.y, other.box.width, other.box.height, other.box.x,
                    other.box.y)
                Diagnostics.warn(
                    "\(url.path): reconstructed \(sizes) is at least half its size; landmarks --all-faces lists every face"
                )
            }
            let files = try pipeline.publish(result, as: folder)
            let entry = ReconstructReport(result, folder: folder, files: files.map(\.name) + ["manifest.json"])
            if report.json {
                // JSON Lines: one object per photo as it finishes, so a batch can be followed.
                Diagnostics.stream(String(decoding: try StableJSON.line(entry), as: UTF8.self))
            } else {
                let error = String(format: "%.1f", 100 * entry.reprojectionError)
                Diagnostics.say(
                    "\(url.path): \(folder.path)/ (\(entry.files.count) files; landmark fit \(error) % of inter-ocular distance)"
                )
            }
        }
        try batch.writeSummary(of: outcome, upToDate: upToDate, into: URL(fileURLWithPath: output))
        try outcome.finish()
    }
}

/// One photo of `reconstruct --json`.
struct ReconstructReport: Encodable {
    let photo: String
    let folder: String
    let files: [String]
    let reprojectionError: Double
    let timings: ProxyReconstructor.Timings
    let detailTimings: DetailStage.Timings?
    /// RMS linear-RGB error of the re-rendered proxy and detailed surface (docs/details.md).
    let photometricError: [String: Double]?

    init(_ result: Reconstruction, folder: URL, files: [String]) {
        photo = result.photo.url.path
        self.folder = folder.path
        self.files = files
        reprojectionError = result.fit.reprojectionError
        timings = result.timings.proxy
        detailTimings = result.timings.detail
        photometricError = result.detail?.detail.photometricError.map { ["proxy": $0.proxy, "detailed": $0.detailed] }
    }
}

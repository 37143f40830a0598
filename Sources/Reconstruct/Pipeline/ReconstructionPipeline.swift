import Formats
import Foundation

/// The library front end of `facedetail reconstruct` (eos's `fit_shape_and_pose`, swift-format's
/// `Frontend`): it loads the model and the landmark predictor once, owns the face finder, the
/// fitter and the detail synthesizer, and turns each photo into one `Reconstruction` and its
/// files. The CLI and `bench reconstruct` map their options onto it and print.
public struct ReconstructionPipeline: Sendable {
    public private(set) var options: ReconstructionOptions
    public let model: MorphableModel
    /// Face, landmarks, proxy fit, unwrap.
    public private(set) var proxyStage: ProxyReconstructor
    /// Displacement, normal maps, detailed mesh; nil when `options.detail` is nil.
    public let detailStage: DetailStage?
    /// The output contract's files (DESIGN.md §4).
    public private(set) var writer: ReconstructionWriter

    /// Loads what `options` needs: the model file (default `ModelFile.defaultURL(region:)`), the
    /// 68-point landmark predictor (default `LandmarkPredictor.resolvedURL(explicit: nil)`) and, for
    /// the emotion prior, EmotionNet and the expression dictionary (defaults in models/).
    public init(
        options: ReconstructionOptions, modelFile: URL? = nil, landmarkModel: URL? = nil,
        faces: FaceFinder.Options = .init(), detectorModel: URL? = nil, registry: FormatRegistry = .standard,
        emotionModel: URL? = nil, expressionDictionary: URL? = nil
    ) throws {
        let options = try options.validated(registry: registry)
        let model = try ModelFile.load(modelFile ?? ModelFile.defaultURL(region: options.region))
        let finder = try FaceFinder(
            landmarkModel: landmarkModel ?? LandmarkPredictor.resolvedURL(explicit: nil), cnnModel: detectorModel,
            options: faces)
        try self.init(
            options: options, model: model, finder: finder, registry: registry, emotionModel: emotionModel,
            expressionDictionary: expressionDictionary)
    }

    /// A pipeline over parts already loaded (tests, benchmarks that share one model).
    public init(
        options: ReconstructionOptions, model: MorphableModel, finder: FaceFinder,
        registry: FormatRegistry = .standard, emotionModel: URL? = nil, expressionDictionary: URL? = nil
    ) throws {
        let options = try options.validated(registry: registry)
        self.options = options
        self.model = model
        var proxyOptions = ProxyReconstructor.Options()
        proxyOptions.uvSize = options.uvSize
        proxyOptions.lens = options.lens
        proxyOptions.rig = options.rig
        let fitter = ProxyFitter(model: model)
        var prior: ExpressionPrior? = nil
        if options.expressionPrior == .emotion {
            prior = try ExpressionPrior.load(emotionModel: emotionModel, dictionary: expressionDictionary)
            prior?.use = options.expressionPriorUse
        }
        proxyStage = ProxyReconstructor(
            finder: finder, fitter: fitter, model: model, options: proxyOptions,
            dense: options.fit == .dense ? DenseFitter(model: model, fitter: fitter.options) : nil, prior: prior)
        detailStage = options.detail.flatMap(DetailSynthesizers.named).map {
            var stage = DetailStage(
                preparing: $0, weights: options.detailWeights.map { URL(fileURLWithPath: $0) },
                subdivision: options.subdivision)
            stage.keepsFloatNormals = options.maps.contains(.exr)
            return stage
        }
        writer = ReconstructionWriter(options: options, model: model, registry: registry)
    }

    /// The largest photo read, checked against its header before decoding (`--max-pixels`).
    public var imageLimits: ImageLimits {
        get { proxyStage.options.imageLimits }
        set { proxyStage.options.imageLimits = newValue }
    }

    /// The same loaded model and face finder under other options (benchmarks over texture sizes).
    public func reconfigured(_ options: ReconstructionOptions) throws -> ReconstructionPipeline {
        // The expression prior already loaded (EmotionNet and the 13 MB dictionary) is reused.
        var without = options
        without.expressionPrior = .none
        let pipeline = try ReconstructionPipeline(
            options: without, model: model, finder: proxyStage.finder, registry: writer.registry)
        guard options.expressionPrior == .emotion, var prior = proxyStage.prior else {
            return options.expressionPrior == .none
                ? pipeline
                : try ReconstructionPipeline(
                    options: options, model: model, finder: proxyStage.finder, registry: writer.registry)
        }
        prior.use = options.expressionPriorUse
        return pipeline.withPrior(prior)
    }

    /// The same pipeline with another expression prior (nil: none), the options saying so.
    public func withPrior(_ prior: ExpressionPrior?) -> ReconstructionPipeline {
        var copy = self
        copy.proxyStage.prior = prior
        copy.options.expressionPrior = prior == nil ? .none : .emotion
        if let prior { copy.options.expressionPriorUse = prior.use }
        copy.writer = ReconstructionWriter(options: copy.options, model: model, registry: writer.registry)
        return copy
    }

    /// The same pipeline with the photo refinement on (`options` for it) or off (nil).
    public func refining(with options: DenseFitter.Options?) -> ReconstructionPipeline {
        var copy = self
        copy.proxyStage.dense = options.map {
            DenseFitter(model: model, fitter: proxyStage.fitter.options, options: $0)
        }
        return copy
    }

    /// The same pipeline with other proxy-fit options (benchmarks that compare fits).
    public func fitting(with options: ProxyFitter.Options) -> ReconstructionPipeline {
        var copy = self
        copy.proxyStage.fitter.options = options
        copy.proxyStage.dense?.fitterOptions = options
        return copy
    }

    /// The same pipeline fitting through another lens policy (`bench truth` gives each render its
    /// true focal length, as EXIF would).
    public func assuming(_ lens: LensPolicy) -> ReconstructionPipeline {
        var copy = self
        copy.options.lens = lens
        copy.proxyStage.options.lens = lens
        copy.writer = ReconstructionWriter(options: copy.options, model: model, registry: writer.registry)
        return copy
    }

    /// Every stage for the photo at `url`.
    public func reconstruct(_ url: URL, adjustLandmarks: ((Landmarks68) -> Landmarks68)? = nil) throws
        -> Reconstruction
    {
        let proxy = try proxyStage.reconstruct(url, adjustLandmarks: adjustLandmarks)
        return Reconstruction(proxyStage: proxy, detail: try detailStage?.run(proxy))
    }

    /// Writes the files of `reconstruction` as the folder `folder`, all at once, replacing any
    /// previous folder of that name only when every file is written; returns the files' records.
    @discardableResult
    public func publish(_ reconstruction: Reconstruction, as folder: URL) throws -> [ManifestFile] {
        do {
            return try DirectorySink(replacingFolder: folder).committing { try writer.write(reconstruction, to: $0) }
        } catch {
            throw ReconstructError(.writeFailed, path: folder.path, "cannot write the outputs", cause: error)
        }
    }
}

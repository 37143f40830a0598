import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `--json`: a machine-readable report on stdout instead of the human one.
struct ReportOptions: ParsableArguments {
    @Flag(help: "Print a JSON report on stdout.") var json = false
}

/// `--units`: the length unit of formats that store none (OBJ, PLY, STL), read and written.
struct UnitOptions: ParsableArguments {
    @Option(help: "Length unit of unitless formats (OBJ, PLY, STL): mm, cm or m.")
    var units: LengthUnit = .centimetre
}

/// `--landmark-model`, `--detector` and `--detector-model`: how faces and their 68 points are found.
struct LandmarkModelOptions: ParsableArguments {
    @Option(
        help:
            "dlib 68-point shape predictor (default $\(LandmarkPredictor.environmentVariable), else \(LandmarkPredictor.defaultPath))."
    )
    var landmarkModel: String?

    @Option(help: "Face detector: cnn (dlib's MMOD CNN, the default) or hog (no model file needed).")
    var detector: FaceDetectorKind = .cnn

    @Option(
        help:
            "dlib's CNN face detector file (default: $\(ModelFile.folderVariable) or ./models, mmod_human_face_detector.dat)."
    )
    var detectorModel: String?

    @Flag(inversion: .prefixedNo, help: "Predict landmarks a second time, the face turned level and re-framed.")
    var refineLandmarks = true

    var url: URL { LandmarkPredictor.resolvedURL(explicit: landmarkModel) }
    var detectorURL: URL { detectorModel.map { URL(fileURLWithPath: $0) } ?? CNNFaceDetector.defaultURL() }

    /// A pipeline that stops after the proxy (no detail synthesizer, so no weights read), for
    /// commands that need the reconstructions of real faces (`train detail`, `bench detail`).
    func proxyPipeline(modelFile: URL) throws -> ReconstructionPipeline {
        var options = ReconstructionOptions()
        options.detail = nil
        return try ReconstructionPipeline(
            options: options, modelFile: modelFile, landmarkModel: url, faces: finderOptions(),
            detectorModel: detectorURL)
    }

    /// The finder these options describe, with `options`' other settings.
    func finder(_ options: FaceFinder.Options = .init()) throws -> FaceFinder {
        try FaceFinder(landmarkModel: url, cnnModel: detectorURL, options: finderOptions(options))
    }

    /// `options` with the detector and refinement these options choose.
    func finderOptions(_ options: FaceFinder.Options = .init()) -> FaceFinder.Options {
        var options = options
        options.detector = detector
        options.refineLandmarks = refineLandmarks
        return options
    }
}

/// `--model` and `--region`: the morphable model file, or the default one of a region.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model part: face, head or full.") var region: ICTImporter.Region = .face
    @Option(help: "Model file (default: $\(ModelFile.folderVariable) or ./models, ict-REGION.fdmodel).") var model:
        String?

    var url: URL { model.map { URL(fileURLWithPath: $0) } ?? ModelFile.defaultURL(region: region) }
}

/// The photos of a batch command.
struct PhotoInputs: ParsableArguments {
    @Argument(help: "Photos: JPEG, PNG (8/16-bit), PPM/PGM, EXR.") var photos: [String] = []
    @OptionGroup var imageLimits: ImageLimitOptions

    /// For commands that take photos on the command line only.
    func requirePhotos() throws {
        guard !photos.isEmpty else { throw ValidationError("Missing expected argument '<photos> ...'") }
    }
}

/// `--max-pixels`: the largest image read, checked against its header before any decoding.
struct ImageLimitOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: "Largest image read, in pixels (width × height); larger headers are refused unread.")
    var maxPixels = ImageLimits.standard.maximumPixels

    var limits: ImageLimits { ImageLimits(maximumPixels: maxPixels) }

    func validate() throws {
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive (got \(maxPixels))") }
    }
}

extension LengthUnit: ExpressibleByArgument {
    public init?(argument: String) { self.init(symbol: argument) }
    public static var allValueStrings: [String] { LengthUnit.named.map(\.symbol) }
    public var defaultValueDescription: String { symbol }
}

extension ICTImporter.Region: ExpressibleByArgument {}

extension MapFileType: ExpressibleByArgument {}

extension NormalMapBaker.Convention: ExpressibleByArgument {}
extension TruthBenchmark.TruthLens: ExpressibleByArgument {}
extension CameraModel: ExpressibleByArgument {}
extension ExpressionPriorKind: ExpressibleByArgument {}
extension ExpressionPriorUse: ExpressibleByArgument {}
extension ExpressionDictionary.Query.Combination: ExpressibleByArgument {}
extension FaceDetectorKind: ExpressibleByArgument {}
extension FitMethod: ExpressibleByArgument {}

/// A comma-separated list of values ("fbx,obj,glb"), each parsed as `Element`; `--help` and the
/// parser's refusal list the valid values.
struct CommaSeparated<Element: ExpressibleByArgument>: ExpressibleByArgument {
    var values: [Element]

    init(_ values: [Element]) { self.values = values }

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var values: [Element] = []
        for part in parts {
            guard let value = Element(argument: part) else { return nil }
            values.append(value)
        }
        guard !values.isEmpty else { return nil }
        self.values = values
    }

    static var allValueStrings: [String] { Element.allValueStrings }
    var defaultValueDescription: String { values.map(\.defaultValueDescription).joined(separator: ",") }
}

/// A format id from the registry, for `--to` (any writer).
struct FormatID: ExpressibleByArgument {
    let id: String
    init?(argument: String) {
        guard FormatRegistry.standard.format(id: argument)?.canWrite == true else { return nil }
        id = argument
    }
    static var allValueStrings: [String] { FormatRegistry.standard.writableIDs }
    var defaultValueDescription: String { id }
}

/// A mesh format facedetail writes, by registry id or extension (`glb` is `glb2`).
struct MeshFormatID: ExpressibleByArgument {
    let id: String
    init(id: String) { self.id = id }
    init?(argument: String) {
        let name = argument.lowercased()
        let writers = FormatRegistry.standard.formats.filter { $0.kind == .mesh && $0.meshWriter != nil }
        guard
            let format = writers.first(where: { $0.id == name })
                ?? writers.first(where: { $0.extensions.contains(name) })
        else {
            return nil
        }
        id = format.id
    }
    static var allValueStrings: [String] {
        FormatRegistry.standard.formats.filter { $0.kind == .mesh && $0.meshWriter != nil }.map(\.id)
    }
    var defaultValueDescription: String { FormatRegistry.standard.format(id: id)?.primaryExtension ?? id }
}

/// A detail synthesizer id from `DetailSynthesizers`.
struct DetailSynthesizerID: ExpressibleByArgument {
    let id: String
    init?(argument: String) {
        guard DetailSynthesizers.named(argument) != nil else { return nil }
        id = argument
    }
    static var allValueStrings: [String] { DetailSynthesizers.ids }
    var defaultValueDescription: String { id }
}

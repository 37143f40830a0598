import Formats
import Foundation

/// One written file as manifest.json lists it.
public struct ManifestFile: Codable, Sendable, Equatable {
    public var name: String
    /// The registry id of its format ("json" for landmarks.json).
    public var format: String
    /// Length unit of positions in the file; "px" for pixel coordinates; nil for images.
    public var unit: String?
    public var sha256: String
    public var bytes: Int

    /// The record of `bytes` written as `name`, its checksum taken in place.
    init(name: String, format: String, unit: String?, contents: [UInt8]) {
        self.name = name
        self.format = format
        self.unit = unit
        sha256 = SHA256.hex(contents)
        bytes = contents.count
    }
}

/// manifest.json (DESIGN.md §4); documented field by field in docs/reconstruct.md.
struct Manifest: Encodable {
    struct Input: Encodable {
        let path: String
        let sha256: String?
        let width: Int
        let height: Int
    }
    struct Camera: Encodable {
        /// "perspective" or "orthographic".
        let model: CameraModel
        let rotation: [[Double]]
        let scalePixelsPerMillimetre: Double
        let translationPixels: [Double]
        let yawPitchRollDegrees: [Double]
        /// Pinhole only: focal length (pixels and 35 mm equivalent), where it came from, the
        /// principal point and the distance of the model origin from the camera centre.
        let focalPixels: Double?
        let equivalentFocalMillimetres: Double?
        let focalSource: LensPolicy.Source?
        let principalPointPixels: [Double]?
        let distanceMillimetres: Double?
    }
    struct Fit: Encodable {
        let residualsPixels: [Double]
        let reprojectionErrorOfInterocular: Double
        let terms: FitTerms
        let interocularPixels: Double
        /// landmarks or dense; the dense fit's report (`DenseFitReport`) when it ran.
        let method: FitMethod
        let dense: DenseFitReport?
    }
    struct ModelRecord: Encodable {
        let source: String
        let license: String
        let region: String
        let vertices: Int
        let polygons: Int
    }

    let facedetail: String
    let input: Input
    let options: ReconstructionOptions
    let model: ModelRecord
    /// Absent with --proxy-only.
    let detail: DetailRecord?
    let camera: Camera
    let identity: [Double]
    let expression: [String: Double]
    let expressionPrior: ExpressionPriorRecord?
    let fit: Fit
    let faceBox: FaceBox
    let detectionScore: Double
    let files: [ManifestFile]
    let timingsSeconds: Reconstruction.Timings?

    init(
        _ reconstruction: Reconstruction, detail: DetailRecord?, model: MorphableModel, files: [ManifestFile],
        options: ReconstructionOptions
    ) {
        let photo = reconstruction.photo
        let fitted = reconstruction.fit
        facedetail = Reconstruct.pipelineVersion
        input = Input(path: photo.url.path, sha256: photo.sha256, width: photo.width, height: photo.height)
        self.options = options
        self.model = ModelRecord(
            source: model.info.source, license: model.info.license, region: model.info.region,
            vertices: model.vertexCount, polygons: model.polygonCount)
        self.detail = detail
        let c = fitted.camera
        let angles = c.eulerDegrees
        let lens = reconstruction.proxyStage.lens
        camera = Camera(
            model: lens == nil ? .orthographic : .perspective,
            rotation: c.rotation.map { [$0.x, $0.y, $0.z] }, scalePixelsPerMillimetre: c.scale,
            translationPixels: [c.translation.x, c.translation.y],
            yawPitchRollDegrees: [angles.yaw, angles.pitch, angles.roll], focalPixels: c.focalPixels,
            equivalentFocalMillimetres: lens?.equivalentFocalMillimetres, focalSource: lens?.source,
            principalPointPixels: lens.map { [$0.intrinsics.principalPoint.x, $0.intrinsics.principalPoint.y] },
            distanceMillimetres: c.distanceMillimetres)
        identity = fitted.identity
        expression = Dictionary(uniqueKeysWithValues: zip(model.expressionNames, fitted.expression))
        expressionPrior = reconstruction.proxyStage.expressionPrior.map {
            ExpressionPriorRecord($0, names: model.expressionNames)
        }
        fit = Fit(
            residualsPixels: fitted.residuals, reprojectionErrorOfInterocular: fitted.reprojectionError,
            terms: fitted.terms,
            interocularPixels: reconstruction.face.landmarks.interocularDistance, method: options.fit,
            dense: fitted.dense)
        faceBox = reconstruction.face.box
        detectionScore = reconstruction.face.score
        self.files = files
        timingsSeconds = options.timingsInManifest ? reconstruction.timings : nil
    }
}

/// manifest.json's `expressionPrior` object (docs/expression-prior.md): β_prior by blendshape, how
/// the fit used it, the dictionary entries it came from and EmotionNet's reading of the face.
struct ExpressionPriorRecord: Encodable {
    struct Emotion: Encodable {
        let top: String
        let probabilities: [String: Double]
        let logits: [Double]
    }
    let use: ExpressionPriorUse
    let beta: [String: Double]
    let entries: [Int]
    let distances: [Double]
    let emotion: Emotion

    init(_ estimate: ExpressionPriorEstimate, names: [String]) {
        func rounded(_ v: Double) -> Double { (v * 1e6).rounded() / 1e6 }
        use = estimate.use
        beta = Dictionary(uniqueKeysWithValues: zip(names, estimate.beta.map(rounded)))
        entries = estimate.match.entries
        distances = estimate.match.distances.map(rounded)
        emotion = Emotion(
            top: estimate.emotion.top, probabilities: estimate.emotion.byLabel.mapValues(rounded),
            logits: estimate.emotion.logits.map(rounded))
    }
}

/// manifest.json's `detail` object (docs/reconstruct.md).
struct DetailRecord: Encodable {
    struct Displacement: Encodable {
        let file = "displacement.exr"
        let unit = "mm"
        let midlevel = 0.0
        let scale = 1.0
        let minimum: Double
        let maximum: Double
        let pngRangeMillimetres: Double?
    }
    struct PhotometricError: Encodable {
        let proxy: Double
        let detailed: Double
    }

    let synthesizer: String
    let gridTexels: Int
    let displacement: Displacement
    let photometricErrorRMS: PhotometricError?
    /// Nine SH coefficients per channel [[r, g, b], …] (docs/details.md), linear light.
    let lighting: [[Double]]?
    let subdivisionLevels: Int
    let detailedMesh: [String: Int]

    init(_ products: DetailStage.Products, maps: DetailMaps, subdivision: Int) {
        let d = products.detail
        synthesizer = d.synthesizerID
        gridTexels = d.workingSize
        let values = d.displacement.values.pixels
        func rounded(_ v: Double) -> Double { (v * 1e6).rounded() / 1e6 }
        displacement = Displacement(
            minimum: rounded(Double(values.min() ?? 0)), maximum: rounded(Double(values.max() ?? 0)),
            pngRangeMillimetres: maps.pngRange.map(Double.init))
        photometricErrorRMS = d.photometricError.map {
            PhotometricError(proxy: rounded($0.proxy), detailed: rounded($0.detailed))
        }
        lighting = d.appearance?.lighting.coefficients.map { c in [c.x, c.y, c.z].map { rounded(Double($0)) } }
        subdivisionLevels = subdivision
        detailedMesh = ["vertices": products.detailedMesh.positions.count, "polygons": products.detailedMesh.faceCount]
    }
}

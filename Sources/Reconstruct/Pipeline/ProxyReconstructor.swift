import Formats
import Foundation

/// The first half of the paper's pipeline for one photo: face and landmarks, proxy fit, texture
/// unwrap. Create once (it loads the landmark model and prepares the fitter) and reuse.
public struct ProxyReconstructor: Sendable {
    public struct Options: Sendable {
        /// Texture side in texels (512–4096).
        public var uvSize = 2048
        /// Smallest inter-ocular distance (pixels) the fit accepts: below it the 68 points are a
        /// few pixels apart and the identity fit is noise.
        public var minimumInterocular = 24.0
        /// Largest |yaw| (degrees) accepted: beyond it half the face is hidden and the frontal
        /// landmark model's contour points are guesses.
        public var maximumYaw = 60.0
        /// The fit's camera and the focal length it assumes.
        public var lens = LensPolicy()
        /// The largest photo read (checked against its header before decoding).
        public var imageLimits = ImageLimits.standard
        /// Give the proxy the model's expressions as morph targets (`MorphableModel.rig`).
        public var rig = false
        public init() {}
    }

    public let finder: FaceFinder
    public var fitter: ProxyFitter
    /// Refines the landmark fit against the photo; nil fits landmarks only.
    public var dense: DenseFitter?
    /// The expression prior β_prior the fit starts from; nil: β₀ = 0 (the neutral face).
    public var prior: ExpressionPrior?
    public let model: MorphableModel
    public var options: Options

    public init(
        finder: FaceFinder, fitter: ProxyFitter, model: MorphableModel, options: Options = Options(),
        dense: DenseFitter? = nil, prior: ExpressionPrior? = nil
    ) {
        self.prior = prior
        self.finder = finder
        self.fitter = fitter
        self.model = model
        self.options = options
        self.dense = dense
    }

    /// Wall-clock seconds per stage.
    public struct Timings: Sendable, Codable {
        /// `prior` is the expression prior (EmotionNet and the dictionary; 0 without); `fit` the
        /// landmark fit; `denseFit` the refinement against the photo (0 without).
        public var load = 0.0, detection = 0.0, landmarks = 0.0, prior = 0.0, fit = 0.0, denseFit = 0.0, unwrap = 0.0
    }

    public struct Result: Sendable {
        public let photo: Photo
        public let face: DetectedFace
        /// Faces found in the photo but not chosen (largest first).
        public let otherFaces: [OtherFace]
        /// One of them when it is at least half the chosen face's size (`FaceSearch.competingFace`).
        public let competingFace: OtherFace?
        public let fit: FittedFace
        /// β_prior and what it came from; nil without a prior.
        public let expressionPrior: ExpressionPriorEstimate?
        /// The lens the pinhole fit assumed (nil: orthographic).
        public let lens: Lens?
        /// The fitted instance as a mesh (mm, the model's UVs, polygons and materials, smooth
        /// normals): built once here, used by the detail stage and the writers.
        public let proxy: Mesh
        /// RGBA, alpha = visibility × facing.
        public let texture: Image<UInt8>
        public let timings: Timings

        /// The fitted instance's positions, mm.
        public var shape: [SIMD3<Float>] { proxy.positions }
    }

    /// `adjustLandmarks` replaces the detected points before the fit (`bench truth`'s oracle
    /// diagnostics hand it the true projections).
    public func reconstruct(_ url: URL, adjustLandmarks: ((Landmarks68) -> Landmarks68)? = nil) throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let photo = try Photo.load(from: url, limits: options.imageLimits)
        return try reconstruct(photo, loadSeconds: (clock.now - start).seconds, adjustLandmarks: adjustLandmarks)
    }

    /// The same for a photo already in memory (a crop of one face of a group, say); errors name
    /// `photo.url`.
    public func reconstruct(
        _ photo: Photo, loadSeconds: Double = 0, adjustLandmarks: ((Landmarks68) -> Landmarks68)? = nil
    ) throws -> Result {
        let url = photo.url
        let clock = ContinuousClock()
        var timings = Timings()
        var mark = clock.now
        func lap() -> Double {
            let now = clock.now
            defer { mark = now }
            return (now - mark).seconds
        }
        timings.load = loadSeconds
        var found = FaceFinder.Timings()
        let search = try finder.search(in: photo, timings: &found)
        guard var face = search.faces.first else {
            throw ReconstructError(.noFace, path: url.path, "no face found")
        }
        if let adjustLandmarks { face.landmarks = adjustLandmarks(face.landmarks) }
        timings.detection = found.detection
        timings.landmarks = found.landmarks
        _ = lap()
        let iod = face.landmarks.interocularDistance
        guard iod >= options.minimumInterocular else {
            throw ReconstructError(
                .unfittableFace, path: url.path, "the face is too small to fit",
                reason: String(
                    format: "inter-ocular distance %.1f px, need at least %.0f px", iod, options.minimumInterocular))
        }
        let lens = options.lens.lens(for: photo)
        let estimate = try prior?.estimate(photo.rgb, landmarks: face.landmarks, names: model.expressionNames)
        timings.prior = lap()
        var fitter = self.fitter
        var dense = self.dense
        if let estimate, estimate.use == .fixed {
            fitter.options.fixedExpression = estimate.beta
            dense?.fitterOptions.fixedExpression = estimate.beta
        }
        let landmarkFit = try fitter.fit(face.landmarks, prior: estimate?.beta, intrinsics: lens?.intrinsics)
        timings.fit = lap()
        let fit = dense?.refine(landmarkFit, photo: photo.rgb, prior: estimate?.beta) ?? landmarkFit
        timings.denseFit = lap()
        let yaw = fit.camera.eulerDegrees.yaw
        guard abs(yaw) <= options.maximumYaw else {
            throw ReconstructError(
                .unfittableFace, path: url.path, "the face is seen in profile",
                reason: String(format: "yaw %.0f°, the proxy fit needs at most ±%.0f°", yaw, options.maximumYaw))
        }
        let shape = model.shape(identity: fit.identity.map(Float.init), expression: fit.expression.map(Float.init))
        var proxy = Self.proxyMesh(shape, model: model)
        if options.rig { proxy.morphTargets = model.rig(expression: fit.expression.map(Float.init)) }
        timings.fit += lap()
        let texture = TextureUnwrapper(size: options.uvSize).unwrap(
            photo: photo, model: model, shape: shape, camera: fit.camera)
        timings.unwrap = lap()
        return Result(
            photo: photo, face: face, otherFaces: search.others, competingFace: search.competingFace, fit: fit,
            expressionPrior: estimate, lens: lens, proxy: proxy, texture: texture, timings: timings)
    }

    /// An instance of `model` in mm with the model's UVs, polygons and materials.
    public static func proxyMesh(_ shape: [SIMD3<Float>], model: MorphableModel) -> Mesh {
        Mesh(
            name: "proxy", positions: shape, uvs: model.uvs, faceSizes: model.polygonSizes,
            faceVertexIndices: model.polygonVertices, faceUVIndices: model.polygonUVIndices,
            faceMaterials: model.polygonMaterials
        ).withGeneratedNormals()
    }
}

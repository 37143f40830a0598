import Formats
import Foundation

/// How close one reconstruction of a rendered face came to the truth it was rendered from.
///
/// Shape: per-vertex distance over the face region after a least-squares similarity alignment
/// (`SimilarityTransform`; one view cannot tell absolute size or depth offset), for the fitted
/// proxy and, as the same-run baseline, the model's mean face. Scale: the fitted camera's pixels per
/// mm against the true ones at the face centroid (focal length in pixels over distance). Texture:
/// `TextureRegistration` of the unwrapped photo against the true albedo, in mm on the face.
public struct TruthScore: Codable, Sendable {
    public let seed: UInt64
    public let label: TruthFace.Expression
    public let yaw: Double, pitch: Double
    public let focalMillimetres: Double, distanceMillimetres: Double
    /// Aligned per-vertex error, mm: fitted proxy and mean face.
    public let fittedMeanMm: Double, fittedMedianMm: Double
    public let meanFaceMeanMm: Double, meanFaceMedianMm: Double
    /// The same for the same-run baseline, the weak-perspective landmark fit of the same points
    /// (the paper's fit, and this pipeline's before the pinhole camera).
    public let baselineMeanMm: Double, baselineMedianMm: Double
    public let baselineMisregistrationMm: Double?
    /// Fitted ÷ true pixels per mm, minus one.
    public let scaleError: Double
    public let fittedYaw: Double, fittedPitch: Double
    /// Mean |β_fit − β_true| over the blendshapes, and the true dominant blendshape's rank among
    /// the fitted weights (0 = largest; the blendshape count when the fit left it at zero).
    public let expressionError: Double
    public let dominantExpression: String
    public let dominantRank: Int
    public let trueExpression: [Double], fittedExpression: [Double]
    /// Mean landmark reprojection error over the inter-ocular distance.
    public let landmarkError: Double
    /// Mean distance of the detected landmarks 17–67 (brows, nose, eyes, mouth: fixed vertices) from
    /// the true projection of their model vertices, over the true inter-ocular distance.
    public let detectedLandmarkError: Double
    /// Detected minus true position of each of the 68 landmarks, over the true inter-ocular distance.
    public let landmarkOffsets: [SIMD2<Double>]
    /// The same as model-frame displacements of the landmark vertices (mm, in the plane facing
    /// the camera): what a landmark calibration averages.
    public let landmarkModelOffsetsMm: [SIMD3<Double>]
    /// Texture misregistration, mm (the median over the patches it is measured on; nil below
    /// `TextureRegistration.minimumPatches`).
    public let misregistrationMm: Double?
    public let registrationPatches: Int
    /// The same measure for two control unwraps of the true shape: through the true pinhole camera
    /// (it validates the measure: the right shape and camera land close), and through the
    /// weak-perspective camera that best fits the true projection (the floor an orthographic
    /// camera leaves at this distance).
    public let controlMisregistrationMm: Double?
    public let orthographicControlMisregistrationMm: Double?
    /// The detail stage against the truth relief (`DetailComparison`): correlation of the
    /// high-passed maps, amplitude ratio, and the false relief on confounders; nil without detail.
    public let detailCorrelation: Double?
    public let detailAmplitudeRatio: Double?
    public let detailConfounderRatio: Double?
    /// `DetailComparison.falseRelief` and `.residualRatio`.
    public let detailFalseRelief: Double?
    public let detailResidualRatio: Double?
    /// Wall-clock seconds of the pipeline's stages on this photo.
    public let timings: Reconstruction.Timings

    /// `baseline` nil: the reconstruction's own fit is the baseline (the weak-perspective run),
    /// scored once.
    public init(
        scene: TruthScene, reconstruction r: Reconstruction, baseline: FittedFace?, fittingModel model: MorphableModel
    ) {
        let face = scene.face
        seed = face.seed
        label = face.label
        yaw = face.yaw
        pitch = face.pitch
        focalMillimetres = face.focalMillimetres
        distanceMillimetres = face.distanceMillimetres
        let n = model.info.regions.first?.vertexCount ?? model.vertexCount
        let truth = scene.shape.prefix(n).map { SIMD3<Double>($0) }
        func aligned(_ shape: [SIMD3<Float>]) -> [Double] {
            let s = shape.prefix(n).map { SIMD3<Double>($0) }
            let t = SimilarityTransform(aligning: s, to: truth)
            return zip(s, truth).map { p, q in
                let d = t.apply(p) - q
                return (d * d).sum().squareRoot()
            }.sorted()
        }
        let fitted = aligned(r.proxyMesh.positions)
        let mean = aligned(model.shape())
        let baselineShape = baseline.map {
            model.shape(identity: $0.identity.map(Float.init), expression: $0.expression.map(Float.init))
        }
        let base = baselineShape.map(aligned) ?? fitted
        baselineMeanMm = base.reduce(0, +) / Double(n)
        baselineMedianMm = base[n / 2]
        fittedMeanMm = fitted.reduce(0, +) / Double(n)
        fittedMedianMm = fitted[n / 2]
        meanFaceMeanMm = mean.reduce(0, +) / Double(n)
        meanFaceMedianMm = mean[n / 2]
        scaleError =
            r.fit.camera.pixelsPerMillimetre(at: scene.centroid) / (face.focalPixels / face.distanceMillimetres) - 1
        let angles = r.fit.camera.eulerDegrees
        fittedYaw = angles.yaw
        fittedPitch = angles.pitch
        trueExpression = face.expression
        fittedExpression = r.fit.expression
        expressionError =
            zip(face.expression, r.fit.expression).map { abs($0 - $1) }.reduce(0, +) / Double(face.expression.count)
        let dominant = face.dominantExpression
        dominantExpression = model.expressionNames[dominant]
        // A weight the fit left (near) zero is not found at all, whatever else is zero with it.
        let found = r.fit.expression[dominant] > Self.presentWeight
        dominantRank =
            found ? r.fit.expression.filter { $0 > r.fit.expression[dominant] }.count : r.fit.expression.count
        landmarkError = r.fit.reprojectionError
        let projected = model.landmarkVertices.map {
            face.project(SIMD3<Double>(scene.shape[$0]), centroid: scene.centroid)
        }
        let trueInterocular = Landmarks68(points: projected).interocularDistance
        landmarkOffsets = (0..<68).map { (r.face.landmarks[$0] - projected[$0]) / trueInterocular }
        landmarkModelOffsetsMm = (0..<68).map {
            face.modelOffset(
                ofPixels: r.face.landmarks[$0] - projected[$0],
                at: SIMD3<Double>(scene.shape[model.landmarkVertices[$0]]), centroid: scene.centroid)
        }
        detectedLandmarkError =
            (17...67).map { k in
                let d = r.face.landmarks[k] - projected[k]
                return (d * d).sum().squareRoot()
            }.reduce(0, +) / 51 / trueInterocular
        let perUV = Self.millimetresPerUV(r.proxyMesh)
        let registration = TextureRegistration(
            albedo: scene.textures.albedo, unwrapped: r.texture, millimetresPerUV: perUV)
        misregistrationMm = registration.shiftMillimetres
        registrationPatches = registration.patches
        func shift(_ unwrap: Image<UInt8>?) -> Double? {
            unwrap.flatMap {
                TextureRegistration(albedo: scene.textures.albedo, unwrapped: $0, millimetresPerUV: perUV)
                    .shiftMillimetres
            }
        }
        controlMisregistrationMm = shift(Self.pinholeUnwrap(scene, r, model))
        if let baseline, let baselineShape {
            baselineMisregistrationMm = shift(
                TextureUnwrapper(size: r.texture.width).unwrap(
                    photo: r.photo, model: model, shape: baselineShape, camera: baseline.camera))
        } else {
            baselineMisregistrationMm = misregistrationMm
        }
        orthographicControlMisregistrationMm = shift(Self.orthographicControlUnwrap(scene, r, model))
        let comparison = r.detail.flatMap {
            DetailComparison(
                detail: $0.detail.displacement.values, truth: scene.textures.displacement,
                confounders: scene.textures.confounders, visibility: r.texture)
        }
        detailCorrelation = comparison?.correlation
        detailAmplitudeRatio = comparison?.amplitudeRatio
        detailConfounderRatio = comparison?.confounderRatio
        detailFalseRelief = comparison?.falseRelief
        detailResidualRatio = comparison?.residualRatio
        timings = r.timings
    }

    /// The photo unwrapped onto the true face shape through the affine camera fitted to the true
    /// projection of the face's vertices (every 7th, for speed).
    static func orthographicControlUnwrap(_ scene: TruthScene, _ r: Reconstruction, _ model: MorphableModel) -> Image<
        UInt8
    >? {
        let n = model.info.regions.first?.vertexCount ?? model.vertexCount
        let truth = Array(scene.shape.prefix(n))
        let sample = stride(from: 0, to: n, by: 7).map { SIMD3<Double>(truth[$0]) }
        let pixels = sample.map { scene.face.project($0, centroid: scene.centroid) }
        guard let affine = estimateAffineCamera(points: sample, pixels: pixels) else { return nil }
        return TextureUnwrapper(size: r.texture.width).unwrap(
            photo: r.photo, model: model, shape: truth,
            camera: PerspectiveCamera(affine.scaledOrthographic(), principalPoint: .zero))
    }

    /// The photo unwrapped onto the true face shape through the true pinhole camera.
    static func pinholeUnwrap(_ scene: TruthScene, _ r: Reconstruction, _ model: MorphableModel) -> Image<UInt8> {
        let n = model.info.regions.first?.vertexCount ?? model.vertexCount
        let face = scene.face
        let toCamera = face.camera(centroid: scene.centroid).position - scene.centroid
        return TextureUnwrapper(size: r.texture.width).unwrap(
            photo: r.photo, model: model, shape: Array(scene.shape.prefix(n)),
            viewAxis: toCamera / (toCamera * toCamera).sum().squareRoot(),
            pixelsPerMillimetre: face.focalPixels / face.distanceMillimetres
        ) { face.projectWithDepth($0, centroid: scene.centroid) }
    }

    /// A fitted weight at or below this counts as absent when ranking the dominant blendshape.
    static let presentWeight = 0.02

    /// √(surface area / UV area) of the face tile's triangles: mm per UV unit, on average.
    static func millimetresPerUV(_ mesh: Mesh) -> Double {
        var surface = 0.0
        var parametric = 0.0
        for (p, uv) in mesh.faceTileTriangles() {
            let a = p[1] - p[0]
            let b = p[2] - p[0]
            let normal = cross(a, b)
            surface += (normal * normal).sum().squareRoot() / 2
            parametric += abs(doubleSignedArea(uv[0], uv[1], uv[2])) / 2
        }
        return parametric > 0 ? (surface / parametric).squareRoot() : 0
    }
}

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
    /// Fitted ÷ true pixels per mm, minus one.
    public let scaleError: Double
    public let fittedYaw: Double, fittedPitch: Double
    /// Mean |β_fit − β_true| over the blendshapes, and the true dominant blendshape's rank among
    /// the fitted weights (0 = largest).
    public let expressionError: Double
    public let dominantExpression: String
    public let dominantRank: Int
    public let trueExpression: [Double], fittedExpression: [Double]
    /// Mean landmark reprojection error over the inter-ocular distance.
    public let landmarkError: Double
    /// Mean distance of the detected landmarks 17–67 (brows, nose, eyes, mouth: fixed vertices) from
    /// the true projection of their model vertices, over the true inter-ocular distance.
    public let detectedLandmarkError: Double
    /// Texture misregistration, mm (mean and the patches it is measured on).
    public let misregistrationMm: Double?
    public let registrationPatches: Int
    /// The same measure for the control unwrap: the true shape under the weak-perspective camera
    /// that best fits its true projection. It validates the measure (a right shape lands close) and
    /// shows the floor an orthographic camera leaves at this distance.
    public let controlMisregistrationMm: Double?
    /// Wall-clock seconds of the pipeline's stages on this photo.
    public let timings: Reconstruction.Timings

    public init(scene: TruthScene, reconstruction r: Reconstruction, fittingModel model: MorphableModel) {
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
        fittedMeanMm = fitted.reduce(0, +) / Double(n)
        fittedMedianMm = fitted[n / 2]
        meanFaceMeanMm = mean.reduce(0, +) / Double(n)
        meanFaceMedianMm = mean[n / 2]
        scaleError = r.fit.camera.scale / (face.focalPixels / face.distanceMillimetres) - 1
        let angles = r.fit.camera.eulerDegrees
        fittedYaw = angles.yaw
        fittedPitch = angles.pitch
        trueExpression = face.expression
        fittedExpression = r.fit.expression
        expressionError =
            zip(face.expression, r.fit.expression).map { abs($0 - $1) }.reduce(0, +) / Double(face.expression.count)
        let dominant = face.dominantExpression
        dominantExpression = model.expressionNames[dominant]
        dominantRank = r.fit.expression.filter { $0 > r.fit.expression[dominant] }.count
        landmarkError = r.fit.reprojectionError
        let projected = model.landmarkVertices.map {
            face.project(SIMD3<Double>(scene.shape[$0]), centroid: scene.centroid)
        }
        let trueInterocular = Landmarks68(points: projected).interocularDistance
        detectedLandmarkError =
            (17...67).map { k in
                let d = r.face.landmarks[k] - projected[k]
                return (d * d).sum().squareRoot()
            }.reduce(0, +) / 51 / trueInterocular
        let registration = TextureRegistration(
            albedo: scene.textures.albedo, unwrapped: r.texture, millimetresPerUV: Self.millimetresPerUV(r.proxyMesh))
        misregistrationMm = registration.meanShiftMillimetres
        registrationPatches = registration.patches
        controlMisregistrationMm = Self.controlUnwrap(scene, r, model).flatMap {
            TextureRegistration(
                albedo: scene.textures.albedo, unwrapped: $0, millimetresPerUV: Self.millimetresPerUV(r.proxyMesh)
            )
            .meanShiftMillimetres
        }
        timings = r.timings
    }

    /// The photo unwrapped onto the true face shape through the affine camera fitted to the true
    /// projection of the face's vertices (every 7th, for speed).
    static func controlUnwrap(_ scene: TruthScene, _ r: Reconstruction, _ model: MorphableModel) -> Image<UInt8>? {
        let n = model.info.regions.first?.vertexCount ?? model.vertexCount
        let truth = Array(scene.shape.prefix(n))
        let sample = stride(from: 0, to: n, by: 7).map { SIMD3<Double>(truth[$0]) }
        let pixels = sample.map { scene.face.project($0, centroid: scene.centroid) }
        guard let affine = estimateAffineCamera(points: sample, pixels: pixels) else { return nil }
        return TextureUnwrapper(size: r.texture.width).unwrap(
            photo: r.photo, model: model, shape: truth, camera: affine.scaledOrthographic())
    }

    /// √(surface area / UV area) of the face tile's triangles: mm per UV unit, on average.
    static func millimetresPerUV(_ mesh: Mesh) -> Double {
        var surface = 0.0
        var parametric = 0.0
        for t in triangulatedCorners(polygonSizes: mesh.faceSizes) {
            let c = [Int(t.x), Int(t.y), Int(t.z)]
            let uv = c.map { SIMD2<Double>(mesh.uvs[Int(mesh.faceUVIndices[$0])]) }
            guard uv.allSatisfy({ $0.x >= 0 && $0.x <= 1 && $0.y >= 0 && $0.y <= 1 }) else { continue }
            let p = c.map { SIMD3<Double>(mesh.positions[Int(mesh.faceVertexIndices[$0])]) }
            let a = p[1] - p[0]
            let b = p[2] - p[0]
            let cross = SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
            surface += (cross * cross).sum().squareRoot() / 2
            parametric += abs((uv[1].x - uv[0].x) * (uv[2].y - uv[0].y) - (uv[1].y - uv[0].y) * (uv[2].x - uv[0].x)) / 2
        }
        return parametric > 0 ? (surface / parametric).squareRoot() : 0
    }
}

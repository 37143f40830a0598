import Formats
import Foundation

/// Faces of known identity, expression, pose and light rendered as photos (`FaceImageRenderer`):
/// the expression dictionary's entries and `bench fit --images`' test photos. A small pool of
/// albedos is painted once and shared: `TruthTextures`' four skin tones with its mottling, lips
/// and hair-stroke brows, without its moles and freckles (they are there to confound the detail
/// benchmark; here they would only add marks no photo of the training set of EmotionNet has).
public struct RandomFacePhotos: Sendable {
    public let renderer: FaceImageRenderer
    let albedos: [(texture: Image<UInt8>, skin: SIMD3<Float>)]

    /// `model` is the model rendered (ICT's full model: eyes, teeth, mouth); `albedoCount` textures
    /// of `albedoSize`² are drawn from `seed`.
    public init(model: MorphableModel, albedoCount: Int = 8, albedoSize: Int = 256, seed: UInt64) {
        renderer = FaceImageRenderer(model: model)
        let uvs = TruthScene.landmarkUVs(model)
        albedos = (0..<albedoCount).map { k in
            var random = SeededRandom(seed: seed &* 31 &+ UInt64(k))
            let tone = TruthTextures.tones[k % TruthTextures.tones.count] * (0.92 + 0.16 * random.unit())
            let s = Double(albedoSize)
            let point = uvs.map { SIMD2($0.x * s, (1 - $0.y) * s) }
            var painter = Painter(size: albedoSize, base: tone)
            painter.mottle(&random, amplitude: 0.04)
            let hair = SIMD3<Double>(58, 40, 30) * (0.6 + 0.8 * random.unit())
            painter.lipsAndBrows(landmarks: point, tone: tone, hair: hair, strokes: 250, &random)
            let skin = SIMD3(
                TruthTextures.linear(tone.x / 255), TruthTextures.linear(tone.y / 255),
                TruthTextures.linear(tone.z / 255))
            return (painter.image, SIMD3<Float>(skin))
        }
    }

    /// One rendered face.
    public struct Face: Sendable {
        public let identity: [Double]
        public let expression: [Double]
        public let camera: PerspectiveCamera
        /// RGB, sRGB 8-bit.
        public let image: Image<UInt8>
        /// The 68 landmark vertices projected (the jaw-contour ones are vertices, not the outline),
        /// or after `detected(by:)` dlib's points.
        public let landmarks: Landmarks68

        /// The face with dlib's 68 points in place of the projected ones, predicted in the box
        /// the projected points imply (as `FaceFinder` frames a face from a first prediction).
        public func detected(by predictor: LandmarkPredictor) throws -> Face {
            let grey = Photo(url: URL(fileURLWithPath: "render.png"), rgb: image).greyscale()
            let pixels = landmarks.points.map { $0 - SIMD2(0.5, 0.5) }
            let points = try predictor.predict(in: grey, box: PredictorFraming.box(implying: pixels).detection)
            return Face(
                identity: identity, expression: expression, camera: camera, image: image,
                landmarks: Landmarks68(points: points.map { $0 + SIMD2(0.5, 0.5) }))
        }
    }

    /// Pose in degrees (yaw turns the face toward image right, pitch tilts the chin up), the image
    /// size in pixels, and the inter-ocular distance the face is scaled to (pixels, at the
    /// landmarks' depth). The camera is a pinhole at 10 face-widths (about 1.5 m for a 35 mm lens
    /// equivalent of 85 mm on this framing). Light: a directional light within 60° of the camera
    /// axis plus 20–60 % ambient; background a flat grey.
    /// `base` is the identity's neutral face when the caller has it (`MorphableModel.identityShape`).
    public func render(
        identity: [Double], expression: [Double], yaw: Double, pitch: Double, roll: Double, width: Int, height: Int,
        interocular: Double, base: [Float]? = nil, random: inout SeededRandom
    ) -> Face {
        let model = renderer.model
        let shape = model.shape(
            expression: expression.map(Float.init), on: base ?? model.identityShape(identity.map(Float.init)))
        let landmarkPoints = model.landmarkVertices.map { SIMD3<Double>(shape[$0]) }
        let centre = landmarkPoints.reduce(SIMD3<Double>.zero, +) / Double(landmarkPoints.count)
        let right = (36...41).map { landmarkPoints[$0] }.reduce(SIMD3<Double>.zero, +) / 6
        let left = (42...47).map { landmarkPoints[$0] }.reduce(SIMD3<Double>.zero, +) / 6
        let eyes = ((right - left) * (right - left)).sum().squareRoot()
        let scale = interocular / max(eyes, 1)
        var orthographic = ScaledOrthographicCamera(
            yaw: yaw, pitch: pitch, roll: roll, scale: scale, translation: .zero)
        let c = orthographic.project(centre)
        orthographic.translation = SIMD2(Double(width) / 2, Double(height) / 2) - c
        let focal = scale * 10 * eyes * 2.2  // distance ≈ 10 face widths (a face is ≈ 2.2 inter-ocular distances wide)
        let camera = PerspectiveCamera(
            orthographic, focalPixels: focal, principalPoint: SIMD2(Double(width) / 2, Double(height) / 2))
        let albedo = albedos[min(Int(random.unit() * Double(albedos.count)), albedos.count - 1)]
        let angle = 60 * random.unit() * Double.pi / 180
        let around = 2 * Double.pi * random.unit()
        let direction = SIMD3<Float>(
            Float(sin(angle) * cos(around)), Float(sin(angle) * sin(around)), Float(cos(angle)))
        let light = SyntheticLights.directional(
            direction: direction, ambient: Float(0.2 + 0.4 * random.unit()), tint: SIMD3(1, 1, 1),
            exposure: Float(0.6 + 0.3 * random.unit()))
        let grey = Float(0.02 + 0.5 * random.unit())
        let scene = FaceImageRenderer.Scene(
            camera: camera, width: width, height: height, faceAlbedo: albedo.texture, skin: albedo.skin, light: light,
            background: SIMD3(repeating: grey))
        let image = renderer.render(shape, scene)
        return Face(
            identity: identity, expression: expression, camera: camera, image: image,
            landmarks: Landmarks68(points: landmarkPoints.map(camera.project)))
    }
}

import Formats
import Foundation

/// The files Blender renders one render-truth face from (benchmarks/truth/render_truth.py): the
/// head as OBJ in metres, the albedo and the displacement of its face tile, and scene.json with
/// the camera and the lights. Written through a sink, so a scene is all there or not at all.
public struct TruthScene: Sendable {
    public let face: TruthFace
    public let textures: TruthTextures
    /// The true instance of the rendering model (mm); its first `faceVertexCount` vertices are the
    /// face region's.
    public let shape: [SIMD3<Float>]
    /// Mean of the face region's true vertices, mm.
    public let centroid: SIMD3<Double>

    /// `model` is the model rendered (the full head: eyes, teeth and the back of the head make the
    /// photo a photo); its face region is the one the pipeline fits.
    public init(face: TruthFace, model: MorphableModel, textureSize: Int = 1024) {
        self.face = face
        shape = model.shape(identity: face.identity.map(Float.init), expression: face.expression.map(Float.init))
        let faceCount = model.info.regions.first?.vertexCount ?? model.vertexCount
        centroid = shape.prefix(faceCount).reduce(SIMD3<Double>.zero) { $0 + SIMD3<Double>($1) } / Double(faceCount)
        textures = TruthTextures(
            face: face, expressionNames: model.expressionNames,
            landmarkUVs: Self.landmarkUVs(model), size: textureSize)
    }

    /// The face-tile UV of each landmark vertex (its first polygon corner's UV).
    static func landmarkUVs(_ model: MorphableModel) -> [SIMD2<Double>] {
        var uvOfVertex: [UInt32: UInt32] = [:]
        for (v, t) in zip(model.polygonVertices, model.polygonUVIndices) where uvOfVertex[v] == nil {
            uvOfVertex[v] = t
        }
        return model.landmarkVertices.map { SIMD2<Double>(model.uvs[Int(uvOfVertex[UInt32($0)]!)]) }
    }

    /// What render_truth.py reads (lengths in metres, facedetail's axes; colours linear).
    struct Spec: Encodable {
        struct Camera: Encodable {
            let position: [Double], target: [Double]
            let focalMillimetres: Double
            let sensorMillimetres = 36.0
        }
        struct Light: Encodable {
            let position: [Double]
            let watts: Double
            let sizeMetres: Double
        }
        let mesh: String, albedo: String, displacement: String, output: String
        let width: Int, height: Int
        let skinColour: [Double], irisColour: [Double], backgroundColour: [Double]
        let subdivisionLevels: Int
        let camera: Camera
        let lights: [Light]
        let samples: Int
        let seed: Int
    }

    /// Writes head.obj (+ .mtl), albedo.png, displacement.exr and scene.json into `sink`, whose
    /// folder is `folder`; the render is to go to `folder/photo.png`.
    public func write(model: MorphableModel, to sink: any FileSink, folder: URL, samples: Int) throws {
        try FormatDescriptor.obj.meshWriter!.write(
            model.asset(identity: face.identity.map(Float.init), expression: face.expression.map(Float.init)),
            fileName: "head.obj", to: sink, options: MeshWriteOptions(unitlessFormatUnit: .metre))
        try FormatDescriptor.png.imageWriter!.write(
            ImageAsset(image: .uint8(textures.albedo)), fileName: "albedo.png", to: sink)
        try FormatDescriptor.openEXR.imageWriter!.write(
            ImageAsset(
                image: .float32(textures.displacement), channelNames: ["Y"], attributes: ["units": .string("mm")]),
            fileName: "displacement.exr", to: sink)
        var random = SeededRandom(seed: face.seed &+ 0x5EED)
        let camera = face.camera(centroid: centroid)
        func metres(_ p: SIMD3<Double>) -> [Double] { [p.x / 1000, p.y / 1000, p.z / 1000] }
        /// A light `distance` mm from the face at an azimuth and elevation (degrees) around the camera's side.
        func light(azimuth: Double, elevation: Double, distance: Double, watts: Double, size: Double) -> Spec.Light {
            let a = azimuth * .pi / 180
            let e = elevation * .pi / 180
            let p = centroid + distance * SIMD3(sin(a) * cos(e), sin(e), cos(a) * cos(e))
            return Spec.Light(position: metres(p), watts: watts, sizeMetres: size)
        }
        let side = random.unit() < 0.5 ? -1.0 : 1.0
        let key = light(
            azimuth: side * (20 + 45 * random.unit()), elevation: 10 + 40 * random.unit(), distance: 1000,
            watts: 14 + 14 * random.unit(), size: 0.3 + 0.4 * random.unit())
        let fill = light(
            azimuth: -side * (30 + 40 * random.unit()), elevation: 20 * random.unit() - 5, distance: 1200,
            watts: 3 + 6 * random.unit(), size: 0.8)
        let iris = random.unit() < 0.7 ? [0.09, 0.05, 0.025] : [0.08, 0.12, 0.16]
        let grey = 0.08 + 0.3 * random.unit()
        let spec = Spec(
            mesh: folder.appendingPathComponent("head.obj").path,
            albedo: folder.appendingPathComponent("albedo.png").path,
            displacement: folder.appendingPathComponent("displacement.exr").path,
            output: folder.appendingPathComponent("photo.png").path, width: face.width, height: face.height,
            skinColour: [textures.skinLinear.x, textures.skinLinear.y, textures.skinLinear.z], irisColour: iris,
            backgroundColour: [grey, grey, grey * 1.05], subdivisionLevels: 2,
            camera: Spec.Camera(
                position: metres(camera.position), target: metres(camera.target),
                focalMillimetres: face.focalMillimetres),
            lights: [key, fill], samples: samples, seed: Int(face.seed % 100_000))
        try sink.write(try StableJSON.file(spec), to: "scene.json")
    }
}

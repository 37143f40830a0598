import Foundation
import Formats

/// The files of `reconstruct --proxy-only` for one photo (DESIGN.md §4), built in memory so every
/// checksum is known before the manifest is written and the set can be committed at once.
public struct ProxyOutputs {
    public struct Options: Sendable {
        /// Mesh format ids (registry ids), in the order given.
        public var formats: [String] = ["fbx", "obj", "glb2"]
        /// Unit for formats without one of their own (OBJ, PLY, STL).
        public var units: LengthUnit = .centimetre
        /// Put per-stage wall-clock times into the manifest (off by default: they differ between
        /// runs, and the same input must give byte-identical files).
        public var timingsInManifest = false
        public var debugOverlay = false
        public init() {}
    }

    public static let textureName = "texture.png"

    /// Every file, name → bytes, in the order written.
    public private(set) var files: [(name: String, bytes: [UInt8])] = []

    public init(result: ProxyReconstructor.Result, model: MorphableModel, options: Options, registry: FormatRegistry = .standard,
                landmarkJSON: [UInt8], optionsRecord: [String: String]) throws {
        let sink = MemorySink()
        let asset = Self.asset(result: result, model: model)
        var records: [ManifestFile] = []
        for id in options.formats {
            guard let format = registry.format(id: id), let writer = format.meshWriter else {
                throw ReconstructError(.invalidArgument, "\(id) is not a mesh format facedetail writes")
            }
            let writeOptions = MeshWriteOptions(unitlessFormatUnit: options.units)
            let before = Set(sink.order)
            try writer.write(asset, fileName: "proxy.\(format.primaryExtension)", to: sink, options: writeOptions)
            for name in sink.order where !before.contains(name) {
                records.append(ManifestFile(name: name, format: format.id, unit: name.hasPrefix("proxy.") ? format.fileUnit(for: writeOptions).symbol : nil))
            }
        }
        try FormatDescriptor.png.imageWriter!.write(ImageAsset(image: .uint8(result.texture)), fileName: Self.textureName, to: sink)
        records.append(ManifestFile(name: Self.textureName, format: "png", unit: nil))
        try sink.write(landmarkJSON, to: "landmarks.json")
        records.append(ManifestFile(name: "landmarks.json", format: "json", unit: "px"))
        if options.debugOverlay {
            try FormatDescriptor.png.imageWriter!.write(ImageAsset(image: .uint8(fitOverlay(result: result, model: model))), fileName: "debug.png", to: sink)
            records.append(ManifestFile(name: "debug.png", format: "png", unit: nil))
        }
        for i in records.indices {
            let bytes = sink.files[records[i].name] ?? []
            records[i].sha256 = SHA256.hex(bytes)
            records[i].bytes = bytes.count
        }
        let manifest = try Manifest(result: result, model: model, files: records, options: optionsRecord,
                                    timings: options.timingsInManifest ? result.timings : nil)
        try sink.write(manifest.encoded(), to: "manifest.json")
        files = sink.order.map { ($0, sink.files[$0]!) }
    }

    /// The proxy as an asset: the fitted instance in mm with the model's UVs and materials, the face
    /// material's base colour wired to the unwrapped texture.
    static func asset(result: ProxyReconstructor.Result, model: MorphableModel) -> Asset {
        let mesh = Mesh(name: "proxy", positions: result.shape, uvs: model.uvs, faceSizes: model.polygonSizes,
                        faceVertexIndices: model.polygonVertices, faceUVIndices: model.polygonUVIndices,
                        faceMaterials: model.polygonMaterials).withGeneratedNormals()
        let faceMaterial = model.polygonMaterials.first.map(Int.init) ?? 0
        let materials = model.info.materials.enumerated().map { k, name in
            var m = Material(name: name)
            if k == faceMaterial {
                m.baseColor = [1, 1, 1, 1]
                m.baseColorTexture = textureName
            }
            return m
        }
        return Asset(meshes: [mesh], materials: materials, unit: .millimetre, metadata: ["generator": "facedetail \(Reconstruct.pipelineVersion)"])
    }
}

struct ManifestFile: Codable {
    var name: String
    var format: String
    /// Length unit of positions in the file; "px" for pixel coordinates; nil for images.
    var unit: String?
    var sha256 = ""
    var bytes = 0
}

/// manifest.json (DESIGN.md §4); documented field by field in docs/reconstruct.md.
struct Manifest: Encodable {
    struct Input: Encodable { let path: String; let sha256: String; let width: Int; let height: Int }
    struct Camera: Encodable {
        let rotation: [[Double]]
        let scalePixelsPerMillimetre: Double
        let translationPixels: [Double]
        let yawPitchRollDegrees: [Double]
    }
    struct Fit: Encodable {
        let residualsPixels: [Double]
        let reprojectionErrorOfInterocular: Double
        let interocularPixels: Double
    }
    struct ModelRecord: Encodable { let source: String; let license: String; let region: String; let vertices: Int; let polygons: Int }

    let facedetail: String
    let input: Input
    let options: [String: String]
    let model: ModelRecord
    let detail = "none (proxy only)"
    let camera: Camera
    let identity: [Double]
    let expression: [String: Double]
    let fit: Fit
    let faceBox: FaceBox
    let detectionScore: Double
    let files: [ManifestFile]
    let timingsSeconds: ProxyReconstructor.Timings?

    init(result: ProxyReconstructor.Result, model: MorphableModel, files: [ManifestFile], options: [String: String],
         timings: ProxyReconstructor.Timings?) throws {
        let bytes = (try? Data(contentsOf: result.photo.url)).map([UInt8].init) ?? []
        facedetail = Reconstruct.pipelineVersion
        input = Input(path: result.photo.url.path, sha256: SHA256.hex(bytes), width: result.photo.width, height: result.photo.height)
        self.options = options
        self.model = ModelRecord(source: model.info.source, license: model.info.license, region: model.info.region,
                                 vertices: model.vertexCount, polygons: model.polygonCount)
        let c = result.fit.camera
        let angles = c.eulerDegrees
        camera = Camera(rotation: c.rotation.map { [$0.x, $0.y, $0.z] }, scalePixelsPerMillimetre: c.scale,
                        translationPixels: [c.translation.x, c.translation.y], yawPitchRollDegrees: [angles.yaw, angles.pitch, angles.roll])
        identity = result.fit.identity
        expression = Dictionary(uniqueKeysWithValues: zip(model.expressionNames, result.fit.expression))
        fit = Fit(residualsPixels: result.fit.residuals, reprojectionErrorOfInterocular: result.fit.reprojectionError,
                  interocularPixels: result.face.landmarks.interocularDistance)
        faceBox = result.face.box
        detectionScore = result.face.score
        self.files = files
        timingsSeconds = timings
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self)) + [0x0a]
    }
}

import Foundation
import Formats

/// The files of `reconstruct` for one photo (DESIGN.md §4), built in memory so every checksum is
/// known before the manifest is written and the set can be committed at once.
public struct ReconstructionOutputs {
    public struct Options: Sendable {
        /// Mesh format ids (registry ids), in the order given.
        public var formats: [String] = ["fbx", "obj", "glb2"]
        /// Unit for formats without one of their own (OBJ, PLY, STL).
        public var units: LengthUnit = .centimetre
        /// Map file types: "exr" adds normal.exr (and detailed_normal.exr), "png" the 16-bit
        /// normal.png, detailed_normal.png and displacement.png. displacement.exr is always written.
        public var maps: Set<String> = ["png"]
        /// Put per-stage wall-clock times into the manifest (off by default: they differ between
        /// runs, and the same input must give byte-identical files).
        public var timingsInManifest = false
        public var debugOverlay = false
        public init() {}
    }

    public static let textureName = "texture.png"

    /// Every file, name → bytes, in the order written.
    public private(set) var files: [(name: String, bytes: [UInt8])] = []

    public init(result: ProxyReconstructor.Result, detail: DetailStage.Products?, model: MorphableModel, options: Options,
                registry: FormatRegistry = .standard, landmarkJSON: [UInt8], optionsRecord: [String: String]) throws {
        let maps = detail.map { DetailMaps($0, kinds: options.maps) } ?? DetailMaps()
        var jobs = maps.images.map(FileJob.init)
        let texture = result.texture
        jobs.append(FileJob(ImageJob(name: Self.textureName, format: .png) { ImageAsset(image: .uint8(texture)) }))
        if options.debugOverlay {
            let overlay = fitOverlay(result: result, model: model)
            jobs.append(FileJob(ImageJob(name: "debug.png", format: .png) { ImageAsset(image: .uint8(overlay)) }))
        }
        var meshes = [("proxy", Self.asset(Self.proxyMesh(result: result, model: model), model: model, maps: maps.proxyMaterial))]
        if let detail {
            var mesh = detail.detailedMesh
            mesh.name = "detailed"
            meshes.append(("detailed", Self.asset(mesh, model: model, maps: maps.detailedMaterial)))
        }
        for (stem, asset) in meshes {
            for id in options.formats {
                guard let format = registry.format(id: id), format.meshWriter != nil else {
                    throw ReconstructError(.invalidArgument, "\(id) is not a mesh format facedetail writes")
                }
                // glTF takes PNG and JPEG textures only: an EXR normal map is left off there.
                var written = asset
                if format.id.hasPrefix("gltf") || format.id.hasPrefix("glb") {
                    for m in written.materials.indices where written.materials[m].normalTexture?.hasSuffix(".exr") == true {
                        written.materials[m].normalTexture = nil
                    }
                }
                jobs.append(FileJob(mesh: written, stem: stem, format: format, options: MeshWriteOptions(unitlessFormatUnit: options.units)))
            }
        }
        var records: [ManifestFile] = []
        var written: [(name: String, bytes: [UInt8])] = []
        for file in try FileJob.run(jobs).joined() {
            records.append(file.record)
            written.append((file.record.name, file.bytes))
        }
        written.append(("landmarks.json", landmarkJSON))
        records.append(ManifestFile(name: "landmarks.json", format: "json", unit: "px", sha256: SHA256.hex(landmarkJSON), bytes: landmarkJSON.count))
        let manifest = try Manifest(result: result, detail: detail.map { DetailRecord($0, maps: maps, subdivision: optionsRecord["subdiv"]) },
                                    model: model, files: records, options: optionsRecord,
                                    timings: options.timingsInManifest ? StageTimings(proxy: result.timings, detail: detail?.timings) : nil)
        files = written + [("manifest.json", try manifest.encoded())]
    }

    /// The fitted instance in mm with the model's UVs, polygons and materials.
    public static func proxyMesh(result: ProxyReconstructor.Result, model: MorphableModel) -> Mesh {
        Mesh(name: "proxy", positions: result.shape, uvs: model.uvs, faceSizes: model.polygonSizes,
             faceVertexIndices: model.polygonVertices, faceUVIndices: model.polygonUVIndices,
             faceMaterials: model.polygonMaterials).withGeneratedNormals()
    }

    /// A mesh as an asset with the model's materials, the face material wired to the unwrapped
    /// texture and to `maps` (normal, displacement) when given.
    static func asset(_ mesh: Mesh, model: MorphableModel, maps: Material? = nil) -> Asset {
        let faceMaterial = model.polygonMaterials.first.map(Int.init) ?? 0
        let materials = model.info.materials.enumerated().map { k, name in
            var m = maps ?? Material(name: name)
            m.name = name
            if k == faceMaterial {
                m.baseColor = [1, 1, 1, 1]
                m.baseColorTexture = textureName
            } else {
                m = Material(name: name)
            }
            return m
        }
        return Asset(meshes: [mesh], materials: materials, unit: .millimetre, metadata: ["generator": "facedetail \(Reconstruct.pipelineVersion)"])
    }
}

/// Per-stage wall-clock seconds, as the manifest records them.
struct StageTimings: Encodable {
    let proxy: ProxyReconstructor.Timings
    let detail: DetailStage.Timings?
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
    /// Absent with --proxy-only.
    let detail: DetailRecord?
    let camera: Camera
    let identity: [Double]
    let expression: [String: Double]
    let fit: Fit
    let faceBox: FaceBox
    let detectionScore: Double
    let files: [ManifestFile]
    let timingsSeconds: StageTimings?

    init(result: ProxyReconstructor.Result, detail: DetailRecord?, model: MorphableModel, files: [ManifestFile], options: [String: String],
         timings: StageTimings?) throws {
        self.detail = detail
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


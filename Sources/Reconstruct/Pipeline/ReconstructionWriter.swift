import Formats
import Foundation

/// The output contract of `reconstruct` (DESIGN.md §4) as one typed writer: every file of a
/// `Reconstruction`, encoded two at a time and each written as soon as it is made, then manifest.json with each file's checksum, all
/// through one `FileSink` (a `DirectorySink` replacing the folder, or memory in tests and benchmarks).
public struct ReconstructionWriter: Sendable {
    public let options: ReconstructionOptions
    public let model: MorphableModel
    public let registry: FormatRegistry

    /// The files of the contract, in manifest order. Adding an output is its entry type plus one
    /// line here.
    static let outputs: [any ReconstructionOutput] = [
        DetailMapFiles(),
        UnwrappedTextureFile(),
        DebugOverlayFile(),
        MeshFiles(),
        LandmarksFile(),
    ]

    public init(options: ReconstructionOptions, model: MorphableModel, registry: FormatRegistry = .standard) {
        self.options = options
        self.model = model
        self.registry = registry
    }

    /// Encodes and writes every file, manifest.json last; returns the records of the files the
    /// manifest lists (all but itself).
    @discardableResult
    public func write(_ reconstruction: Reconstruction, to sink: any FileSink) throws -> [ManifestFile] {
        let maps = reconstruction.detail.map { DetailMaps($0, kinds: options.maps) } ?? DetailMaps()
        let context = OutputContext(
            reconstruction: reconstruction, options: options, model: model, registry: registry, maps: maps)
        let jobs = try Self.outputs.flatMap { try $0.jobs(context) }
        let records = try FileJob.run(jobs) { try sink.write($0.bytes, to: $0.record.name) }.joined()
        let detail = reconstruction.detail.map { DetailRecord($0, maps: maps, subdivision: options.subdivision) }
        let manifest = Manifest(reconstruction, detail: detail, model: model, files: Array(records), options: options)
        try sink.write(try StableJSON.file(manifest), to: "manifest.json")
        return Array(records)
    }
}

/// What an output entry may draw on.
struct OutputContext {
    let reconstruction: Reconstruction
    let options: ReconstructionOptions
    let model: MorphableModel
    let registry: FormatRegistry
    /// The detail maps' files and the material slots naming them (empty without detail).
    let maps: DetailMaps
}

/// One entry of the output contract: the files it adds for a reconstruction (none where it does
/// not apply, e.g. the detail maps with --proxy-only).
protocol ReconstructionOutput: Sendable {
    func jobs(_ context: OutputContext) throws -> [FileJob]
}

/// displacement.exr, the normal maps and displacement.png (`DetailMaps`).
struct DetailMapFiles: ReconstructionOutput {
    func jobs(_ context: OutputContext) -> [FileJob] { context.maps.images.map(FileJob.init) }
}

/// texture.png: the unwrapped photo, RGBA, alpha = visibility × facing.
struct UnwrappedTextureFile: ReconstructionOutput {
    static let name = "texture.png"
    func jobs(_ context: OutputContext) -> [FileJob] {
        let texture = context.reconstruction.texture
        let job = ImageJob(name: Self.name, format: .png, texels: texture.width * texture.height, bytesPerTexel: 4) {
            ImageAsset(image: .uint8(texture))
        }
        return [FileJob(job)]
    }
}

/// debug.png (--debug): the wireframe and the detected and fitted landmarks over the photo.
struct DebugOverlayFile: ReconstructionOutput {
    func jobs(_ context: OutputContext) -> [FileJob] {
        guard context.options.debugOverlay else { return [] }
        let overlay = fitOverlay(result: context.reconstruction.proxyStage, model: context.model)
        let job = ImageJob(name: "debug.png", format: .png, texels: overlay.width * overlay.height, bytesPerTexel: 3) {
            ImageAsset(image: .uint8(overlay))
        }
        return [FileJob(job)]
    }
}

/// proxy.EXT and detailed.EXT for each requested format, with their sidecars; each format gets
/// only the texture references it keeps (`FormatDescriptor.keeps`).
struct MeshFiles: ReconstructionOutput {
    func jobs(_ context: OutputContext) throws -> [FileJob] {
        let r = context.reconstruction
        var meshes = [("proxy", asset(r.proxyMesh, context, maps: context.maps.proxyMaterial))]
        if let detail = r.detail {
            var mesh = detail.detailedMesh
            mesh.name = "detailed"
            meshes.append(("detailed", asset(mesh, context, maps: context.maps.detailedMaterial)))
        }
        let options = MeshWriteOptions(unitlessFormatUnit: context.options.units)
        return try meshes.flatMap { stem, asset in
            try context.options.formats.map { id in
                guard let format = context.registry.format(id: id), format.meshWriter != nil else {
                    throw ReconstructError(.invalidArgument, "\(id) is not a mesh format facedetail writes")
                }
                return FileJob(mesh: asset.keepingTextures(for: format), stem: stem, format: format, options: options)
            }
        }
    }

    /// A mesh as an asset with the model's materials, the face material wired to the unwrapped
    /// texture and to `maps` (normal, displacement) when given.
    private func asset(_ mesh: Mesh, _ context: OutputContext, maps: Material?) -> Asset {
        let model = context.model
        let faceMaterial = model.polygonMaterials.first.map(Int.init) ?? 0
        let materials = model.info.materials.enumerated().map { k, name in
            guard k == faceMaterial else { return Material(name: name) }
            var m = maps ?? Material(name: name)
            m.name = name
            m.baseColor = [1, 1, 1, 1]
            m.baseColorTexture = UnwrappedTextureFile.name
            return m
        }
        return Asset(
            meshes: [mesh], materials: materials, unit: .millimetre,
            metadata: ["generator": "facedetail \(Reconstruct.pipelineVersion)"])
    }
}

/// landmarks.json: the detected face and where the fitted model's landmarks project (pixels).
struct LandmarksFile: ReconstructionOutput {
    func jobs(_ context: OutputContext) throws -> [FileJob] {
        let r = context.reconstruction
        let bytes = try StableJSON.file(
            ReconstructionLandmarks(photo: r.photo, face: r.face, fitted: r.fit.fittedLandmarks))
        return [FileJob(name: "landmarks.json", format: "json", unit: "px", bytes: bytes)]
    }
}

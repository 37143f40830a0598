import Foundation

/// What `facedetail convert` does, as a library call: read one file, adapt it to the target
/// format, and write the result (and its texture files) atomically.
public struct Converter: Sendable {
    public struct Options: Sendable {
        /// Target format id; nil picks it from the output's extension.
        public var targetID: String?
        /// Unit for unitless formats, both read and written (DESIGN.md default: cm).
        public var units: LengthUnit = .centimetre
        public var triangulate = false
        public var generateNormals = false
        /// Half-width r in value units of the float range [−r, +r] mapped linearly onto 16-bit
        /// integers [0, 65535] (and back), as DESIGN.md does for displacement maps.
        public var range: Float?
        /// Applied to a mesh asset after it is read (and its unit settled), before the writer
        /// sees it: how commands such as `displace` reuse the conversion path (textures, losses,
        /// atomic output). Errors it throws abort the conversion with nothing written.
        public var transform: (@Sendable (Asset) throws -> Asset)?
        /// The largest image read: the input image, or a texture embedded in a mesh.
        public var imageLimits = ImageLimits.standard
        public init() {}
    }

    /// What a conversion wrote and what it could not keep.
    public struct Report: Sendable, Codable {
        public var input: String
        public var output: String
        public var format: String
        public var kind: String
        /// Every file written, main file first.
        public var files: [String]
        /// Unit of the lengths in the written mesh file ("m", "cm", …); nil for images.
        public var unit: String?
        public var warnings: [String]
        public var vertices: Int?
        public var triangles: Int?
    }

    public let registry: FormatRegistry

    public init(registry: FormatRegistry = .standard) {
        self.registry = registry
    }

    public func convert(_ input: URL, to output: URL, options: Options = Options()) throws -> Report {
        let source = try registry.readerFormat(for: input)
        let target = try registry.writerFormat(id: options.targetID, for: output)
        guard source.kind == target.kind else {
            throw FormatError(
                .unsupported, path: input.path,
                "cannot convert \(source.kind == .image ? "an image" : "a mesh") (\(source.id)) into a \(target.kind.rawValue) format (\(target.id))"
            )
        }
        // A device, FIFO or folder at the output path is refused before any work, not replaced.
        try OutputTarget.checkReplaceable(output, byFolder: false)
        do {
            return try DirectorySink(directory: output.deletingLastPathComponent()).committing { sink in
                var report =
                    switch source.kind {
                    case .mesh: try convertMesh(input, source, output, target, options, sink)
                    case .image: try convertImage(input, source, output, target, options, sink)
                    }
                // Main file first, then sidecars in the order they were written.
                report.files = [output.path] + sink.paths.map(\.path).filter { $0 != output.path }
                return report
            }
        } catch let error as FormatError {
            // Writers name files relative to the output folder; users need the full path.
            var located = error
            if let path = error.path, !path.hasPrefix("/") {
                located.path = output.deletingLastPathComponent().appendingPathComponent(path).path
            }
            throw located
        }
    }

    private func convertMesh(
        _ input: URL, _ source: FormatDescriptor, _ output: URL, _ target: FormatDescriptor,
        _ options: Options, _ sink: DirectorySink
    ) throws -> Report {
        if let report = try AssimpPassThrough.convert(input, source, output, target, options, sink) { return report }
        var asset = try source.meshReader!.readMesh(at: input)
        if asset.unit == nil { asset.unit = options.units }
        if let transform = options.transform { asset = try transform(asset) }
        if options.triangulate { asset.meshes = asset.meshes.map { $0.triangulated() } }
        if options.generateNormals { asset.meshes = asset.meshes.map { $0.withGeneratedNormals() } }
        var warnings = LossReport.mesh(asset, into: target)
        asset = LossReport.droppingUnkeptTextures(asset, for: target)
        let collector = TextureCollector(
            inputFolder: input.deletingLastPathComponent(), sink: sink, registry: registry, limits: options.imageLimits)
        let collected = try collector.collect(asset)
        asset = collected.asset
        warnings += collected.warnings
        let writeOptions = MeshWriteOptions(unitlessFormatUnit: options.units)
        try target.meshWriter!.write(asset, fileName: output.lastPathComponent, to: sink, options: writeOptions)
        return Report(
            input: input.path, output: output.path, format: target.id, kind: "mesh", files: [],
            unit: target.fileUnit(for: writeOptions).symbol, warnings: warnings,
            vertices: asset.vertexCount, triangles: asset.triangleCount)
    }

    private func convertImage(
        _ input: URL, _ source: FormatDescriptor, _ output: URL, _ target: FormatDescriptor,
        _ options: Options, _ sink: DirectorySink
    ) throws -> Report {
        let read = try source.imageReader!.readImage(at: input, limits: options.imageLimits)
        let (image, warnings) = try ImageAdapter(range: options.range).adapt(read, to: target)
        try target.imageWriter!.write(image, fileName: output.lastPathComponent, to: sink)
        return Report(
            input: input.path, output: output.path, format: target.id, kind: "image", files: [],
            unit: nil, warnings: warnings, vertices: nil, triangles: nil)
    }
}

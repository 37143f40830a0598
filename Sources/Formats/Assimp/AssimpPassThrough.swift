import CAssimpBridge
import Foundation

/// `convert` from any format Assimp reads (FBX aside) into glTF, GLB or Collada without our mesh
/// model in between: Assimp imports in a child process, lengths are rescaled to the target's unit,
/// and its exporter writes the scene as it is (`fd_assimp_convert`). Nodes that share a mesh
/// keep sharing it, so the file is no larger than `assimp export`'s, and the parent neither
/// decodes, welds nor unwelds the geometry (issue 18: 2CylinderEngine.glb to GLB ran 4.8× as long
/// as `assimp export`). The loss report, texture copying and unit handling are the general path's.
/// Used only when the conversion asks nothing of our model (no --triangulate, --generate-normals
/// or transform); FBX sources keep the general path, which reads their unit and axes from the file.
enum AssimpPassThrough {
    /// Assimp's exporter for each target format this path serves (the others need our model: PLY's
    /// single mesh, STL and 3MF). glTF's registered writer is our own (`GLTFWriter`, for morph
    /// targets); a scene our model never held has none of ours, and Assimp's exporter keeps its
    /// node hierarchy and shared meshes.
    static let exporters: [String: (id: String, trianglesOnly: Bool)] = [
        "glb2": ("glb2", true), "gltf2": ("gltf2", true), "collada": ("collada", false),
    ]

    /// The conversion, or nil when it is not one this path makes (the caller takes the general path).
    static func convert(
        _ input: URL, _ source: FormatDescriptor, _ output: URL, _ target: FormatDescriptor,
        _ options: Converter.Options, _ sink: DirectorySink
    ) throws -> Converter.Report? {
        let ext = input.pathExtension.lowercased()
        guard options.transform == nil, !options.triangulate, !options.generateNormals, ext != "fbx",
            source.meshReader is AssimpMeshReader, let writer = exporters[target.id]
        else { return nil }
        try AssimpMeshReader.preflight(input)
        let sourceUnit = AssimpMeshReader.unit(ofExtension: ext) ?? options.units
        let writeOptions = MeshWriteOptions(unitlessFormatUnit: options.units)
        let targetUnit = target.fileUnit(for: writeOptions)
        // An exporter failure (the file itself read well) leaves the conversion to the general path.
        guard
            let scene = try run(
                input, exporter: writer.id, fileName: output.lastPathComponent,
                scale: sourceUnit.metresPerUnit / targetUnit.metresPerUnit, triangulate: writer.trianglesOnly)
        else { return nil }
        // Texture references the output names as the input did: those our collector would rewrite
        // (backslashes, embedded "*N" outside GLB) or extract (embedded images) need the general path.
        // So do references the target does not keep (a slot it lacks, an EXR it cannot name): the
        // general path leaves them out, while Assimp's exporter would write them.
        let embeds = writer.id == "glb2"
        guard embeds || scene.embeddedTextures == 0,
            !scene.textures.contains(where: { $0.path.contains("\\") || (!embeds && $0.path.hasPrefix("*")) }),
            !scene.textures.contains(where: { t in t.slot.map { !target.keeps($0, named: t.path) } ?? false })
        else { return nil }
        var content = scene.content
        content.textures = scene.textures.compactMap { t in t.slot.map { ($0, t.path) } }
        var warnings = LossReport.mesh(content, into: target)
        let collector = TextureCollector(inputFolder: input.deletingLastPathComponent(), sink: sink)
        var written: Set<String> = []
        for texture in scene.textures where !texture.path.hasPrefix("*") {
            if let warning = try collector.place(texture.path, written: &written).warning { warnings.append(warning) }
        }
        guard scene.files.contains(where: { $0.name == output.lastPathComponent }) else {
            throw FormatError(
                .writeFailed, path: output.lastPathComponent,
                "Assimp's '\(writer.id)' exporter wrote no main file")
        }
        if embeds && scene.embeddedTextures > 0,
            let main = scene.files.first(where: { $0.name == output.lastPathComponent })
        {
            try GLBImageCheck.check(main.bytes, path: input.path, limits: options.imageLimits)
        }
        for file in scene.files {
            try sink.write(ExportScrubber.scrub(file.bytes, exporterID: writer.id), to: file.name)
        }
        return Converter.Report(
            input: input.path, output: output.path, format: target.id, kind: "mesh", files: [],
            unit: targetUnit.symbol, warnings: warnings,
            vertices: scene.vertices, triangles: scene.triangles)
    }

    /// What the child answered.
    struct Scene {
        var vertices = 0, triangles = 0
        var content = MeshContent()
        /// Every texture the materials name; slot nil for kinds our model has no slot for.
        var textures: [(slot: TextureSlot?, path: String)] = []
        var embeddedTextures = 0
        var files: [(name: String, bytes: [UInt8])] = []
    }

    /// The child's answer; nil when Assimp read the file but its exporter failed.
    static func run(_ input: URL, exporter: String, fileName: String, scale: Double, triangulate: Bool) throws
        -> Scene?
    {
        var out = fd_buffer(data: nil, size: 0)
        var error = [CChar](repeating: 0, count: 1024)
        let status = fd_assimp_convert(
            input.path, AssimpBackend.importCPUSeconds, exporter, fileName, scale, triangulate ? 1 : 0, &out, &error,
            error.count)
        defer { fd_buffer_free(&out) }
        guard status == 0 else {
            let message = String(nullTerminated: error)
            if status == 1 && message.hasPrefix("export: ") { return nil }
            throw FormatError(.malformed, path: input.path, "cannot be read", reason: message)
        }
        var r = ByteReader([UInt8](UnsafeBufferPointer(start: out.data, count: out.size)), what: "Assimp's conversion")
        var scene = Scene()
        scene.vertices = Int(try r.read(UInt32.self))
        scene.triangles = Int(try r.read(UInt32.self))
        let flags = try r.read(UInt32.self)
        scene.content.uvs = flags & 1 != 0
        scene.content.normals = flags & 2 != 0
        scene.content.colors = flags & 4 != 0
        scene.content.tangents = flags & 8 != 0
        scene.content.quads = flags & 16 != 0
        scene.content.severalMaterials = flags & 32 != 0
        let slots: [TextureSlot?] = [.baseColor, .normal, .displacement, .roughness, nil, nil]
        for _ in 0..<Int(try r.read(UInt32.self)) {
            let slot = Int(try r.read(UInt32.self))
            scene.textures.append((slot < slots.count ? slots[slot] : nil, try r.readString()))
        }
        scene.embeddedTextures = Int(try r.read(UInt32.self))
        for _ in 0..<Int(try r.read(UInt32.self)) {
            let name = try r.readString()
            let size = Int(try r.read(UInt64.self))
            scene.files.append((name, Array(try r.readBytes(size))))
        }
        return scene
    }
}

import Foundation

/// Native glTF 2.0 writer, as a .gltf with its .bin or as one GLB. Assimp 5.2.5's glTF exporter
/// writes no default morph weights and its sparse morph targets index vertices with 16-bit
/// numbers (PLATFORM.md), so a rig of more than 32,767 vertices came out broken: facedetail writes
/// glTF itself.
///
/// - Metres, +Y up (the spec's convention); UVs with v flipped to glTF's top-left origin.
/// - One glTF mesh per `Mesh`, one triangle primitive per material; quads are split.
/// - Materials: metallic-roughness with metallic 0, base colour factor and texture, roughness,
///   normal texture. Textures stay external files, named as the materials name them.
/// - Morph targets (`MorphTarget`): POSITION (and NORMAL where given) offsets per primitive, sparse
///   where smaller; the base shape as POSITION; the default weights as the mesh's `weights`; names
///   in the mesh's `extras.targetNames`, where Blender and three.js read them. Rigs of more than
///   65,536 vertices store their offsets as 16-bit integers (`GLTFQuantization`).
struct GLTFWriter: MeshWriter {
    /// GLB (one file) or .gltf with a .bin beside it.
    let binary: Bool

    func write(_ asset: Asset, fileName: String, to sink: any FileSink, options: MeshWriteOptions) throws {
        try asset.validate()
        let scene = asset.converted(to: .metre)
        var buffer = GLTFBufferBuilder()
        let metadata = scene.metadata.isEmpty ? nil : scene.metadata
        var document = GLTFDocument(
            asset: .init(generator: scene.metadata["generator"] ?? "facedetail", extras: metadata))
        let images = Self.images(scene.materialsOrDefault)
        document.materials = scene.materialsOrDefault.map { Self.material($0, images: images) }
        if !images.isEmpty {
            document.images = images.map { GLTFDocument.Image(uri: $0) }
            document.textures = images.indices.map { GLTFDocument.Texture(source: $0) }
            document.samplers = [GLTFDocument.Sampler()]
        }
        for mesh in scene.meshes where mesh.faceCount > 0 {
            let quantization = GLTFQuantization(mesh)
            document.nodes.append(
                .init(
                    name: mesh.name, mesh: document.meshes.count,
                    scale: quantization.map { Array(repeating: $0.scale, count: 3) }))
            document.meshes.append(Self.mesh(mesh, quantization: quantization, into: &buffer))
        }
        if document.nodes.contains(where: { $0.scale != nil }) {
            document.extensionsUsed = [GLTFQuantization.extensionName]
            document.extensionsRequired = [GLTFQuantization.extensionName]
        }
        document.scenes = [.init(nodes: Array(document.nodes.indices))]
        document.accessors = buffer.accessors
        document.bufferViews = buffer.views
        let bin = buffer.bytes.bytes
        let stem = (fileName as NSString).deletingPathExtension
        document.buffers = [.init(byteLength: bin.count, uri: binary ? nil : stem + ".bin")]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = [UInt8](try encoder.encode(document))
        if binary {
            try sink.write(Self.glb(json: json, bin: bin), to: fileName)
        } else {
            try sink.write(json, to: fileName)
            try sink.write(bin, to: stem + ".bin")
        }
    }

    /// Texture files in order of first use.
    static func images(_ materials: [Material]) -> [String] {
        var seen: [String] = []
        for m in materials {
            for path in [m.baseColorTexture, m.normalTexture].compactMap({ $0 }) where !seen.contains(path) {
                seen.append(path)
            }
        }
        return seen
    }

    static func material(_ m: Material, images: [String]) -> GLTFDocument.Material {
        let texture = { (path: String?) in path.flatMap { images.firstIndex(of: $0) }.map(GLTFDocument.TextureInfo.init)
        }
        let color = m.baseColor
        return GLTFDocument.Material(
            name: m.name,
            pbrMetallicRoughness: .init(
                baseColorFactor: color == [1, 1, 1, 1] ? nil : [color.x, color.y, color.z, color.w],
                baseColorTexture: texture(m.baseColorTexture), roughnessFactor: m.roughness),
            normalTexture: texture(m.normalTexture))
    }

    static func mesh(
        _ source: Mesh, quantization: GLTFQuantization?, into buffer: inout GLTFBufferBuilder
    ) -> GLTFDocument.Mesh {
        var mesh = source.triangulated()
        if !mesh.hasNormals { mesh = mesh.withGeneratedNormals() }
        // Positions in the node's units: metres / the quantization scale (a power of two: exact).
        let unit = quantization?.scale ?? 1
        let base = mesh.basePositions.map { $0 / unit }
        var parts = mesh.unweldedByMaterial()
        if quantization != nil { parts = parts.flatMap { $0.chunked(maxVertices: GLTFQuantization.vertexThreshold) } }
        let primitives = parts.map { part -> GLTFDocument.Primitive in
            let sources = part.sourcePositions.map(Int.init)
            var attributes = ["POSITION": buffer.vec3(sources.map { base[$0] }, bounds: true)]
            if !part.normals.isEmpty { attributes["NORMAL"] = buffer.vec3(part.normals) }
            if !part.uvs.isEmpty { attributes["TEXCOORD_0"] = buffer.vec2(part.uvs.map { SIMD2($0.x, 1 - $0.y) }) }
            if !part.tangents.isEmpty && !part.normals.isEmpty { attributes["TANGENT"] = buffer.vec4(part.tangents) }
            if !part.colors.isEmpty { attributes["COLOR_0"] = buffer.vec4(part.colors) }
            let copies = VertexCopies(sources, positionCount: mesh.positions.count)
            // One scratch array per primitive, filled and cleared target by target.
            var scratch = [SIMD3<Float>](repeating: .zero, count: sources.count)
            let targets = mesh.morphTargets.map { target -> [String: Int] in
                copies.scatter(target.positionDeltas, at: target.indices, into: &scratch)
                var accessors = [
                    "POSITION": quantization.map { q in buffer.quantizedOffsets(scratch.map(q.quantized)) }
                        ?? buffer.offsets(scratch, bounds: true)
                ]
                copies.scatter(nil, at: target.indices, into: &scratch)
                if !target.normalDeltas.isEmpty {
                    copies.scatter(target.normalDeltas, at: target.indices, into: &scratch)
                    accessors["NORMAL"] = buffer.offsets(scratch, bounds: false)
                    copies.scatter(nil, at: target.indices, into: &scratch)
                }
                return accessors
            }
            return GLTFDocument.Primitive(
                attributes: attributes, indices: buffer.indices(part.indices, vertexCount: part.positions.count),
                material: Int(part.material), targets: targets.isEmpty ? nil : targets)
        }
        let rigged = mesh.hasMorphTargets
        return GLTFDocument.Mesh(
            name: mesh.name, primitives: primitives, weights: rigged ? mesh.morphTargets.map(\.defaultWeight) : nil,
            extras: rigged ? .init(targetNames: mesh.morphTargets.map(\.name)) : nil)
    }

    /// The GLB container (spec §4.4): header, JSON chunk padded with spaces, BIN chunk with zeros.
    static func glb(json: [UInt8], bin: [UInt8]) -> [UInt8] {
        let jsonChunk = json + [UInt8](repeating: 0x20, count: (4 - json.count % 4) % 4)
        let binChunk = bin + [UInt8](repeating: 0, count: (4 - bin.count % 4) % 4)
        var w = ByteWriter()
        w.append(bytes: Array("glTF".utf8))
        w.append(UInt32(2))
        w.append(UInt32(12 + 8 + jsonChunk.count + 8 + binChunk.count))
        w.append(UInt32(jsonChunk.count))
        w.append(UInt32(0x4E4F_534A))  // "JSON"
        w.append(bytes: jsonChunk)
        w.append(UInt32(binChunk.count))
        w.append(UInt32(0x004E_4942))  // "BIN\0"
        w.append(bytes: binChunk)
        return w.bytes
    }
}

/// Which vertices of a primitive copy each position of the mesh (a position on a UV seam has one
/// copy per UV), stored compressed: position p's copies are `vertices[starts[p]..<starts[p + 1]]`.
struct VertexCopies {
    private var starts: [Int]
    private var vertices: [Int]

    init(_ sources: [Int], positionCount: Int) {
        starts = [Int](repeating: 0, count: positionCount + 1)
        for p in sources { starts[p + 1] += 1 }
        for p in 0..<positionCount { starts[p + 1] += starts[p] }
        vertices = [Int](repeating: 0, count: sources.count)
        var next = starts
        for (v, p) in sources.enumerated() {
            vertices[next[p]] = v
            next[p] += 1
        }
    }

    /// Writes `values[k]` (zero when nil) at every copy of position `indices[k]`.
    func scatter(_ values: [SIMD3<Float>]?, at indices: [UInt32], into dense: inout [SIMD3<Float>]) {
        for (k, p) in indices.enumerated() {
            let value = values?[k] ?? .zero
            for c in starts[Int(p)]..<starts[Int(p) + 1] { dense[vertices[c]] = value }
        }
    }
}

extension FormatDescriptor {
    private static let gltfCapabilities: FormatCapabilities = [
        .uvs, .normals, .tangents, .vertexColors, .materials, .baseColorTexture, .normalTexture, .unitInFile,
        .morphTargets,
    ]

    public static let gltf2 = FormatDescriptor(
        id: "gltf2", summary: "glTF 2.0, JSON with a .bin buffer (metres, +Y up)", kind: .mesh, extensions: ["gltf"],
        capabilities: gltfCapabilities.union(.multiFile), unitPolicy: .fixed(.metre),
        backend: "native (reads through \(AssimpBackend.versionLabel))", meshReader: AssimpMeshReader(),
        meshWriter: GLTFWriter(binary: false))
    public static let glb2 = FormatDescriptor(
        id: "glb2", summary: "glTF 2.0 binary, one file (metres, +Y up)", kind: .mesh, extensions: ["glb"],
        capabilities: gltfCapabilities, unitPolicy: .fixed(.metre),
        backend: "native (reads through \(AssimpBackend.versionLabel))",
        sniff: { $0.starts(with: Array("glTF".utf8)) }, meshReader: AssimpMeshReader(),
        meshWriter: GLTFWriter(binary: true))
}

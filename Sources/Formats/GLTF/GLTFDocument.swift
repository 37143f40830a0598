/// The parts of a glTF 2.0 document (Khronos spec §5) facedetail writes, as Codable values: nil
/// members are left out, and `GLTFWriter` encodes keys sorted so the same asset gives the same bytes.
struct GLTFDocument: Encodable {
    struct Info: Encodable {
        var version = "2.0"
        var generator: String
        /// The asset's metadata (generator, source), as `Asset.metadata` holds it.
        var extras: [String: String]?
    }
    struct Buffer: Encodable {
        var byteLength: Int
        /// The .bin beside a .gltf; nil in a GLB, whose buffer is its BIN chunk.
        var uri: String?
    }
    struct BufferView: Encodable {
        var buffer = 0
        var byteOffset: Int
        var byteLength: Int
        var byteStride: Int?
        /// 34962 vertex attributes, 34963 indices; nil for sparse data.
        var target: Int?
    }
    struct Sparse: Encodable {
        struct Indices: Encodable {
            var bufferView: Int
            var componentType: Int
        }
        struct Values: Encodable { var bufferView: Int }
        var count: Int
        var indices: Indices
        var values: Values
    }
    struct Accessor: Encodable {
        var bufferView: Int?
        var componentType: Int
        var count: Int
        var type: String
        /// Integers read as fractions of their range (KHR_mesh_quantization's morph offsets).
        var normalized: Bool?
        var min: [Float]?
        var max: [Float]?
        var sparse: Sparse?
    }
    struct Primitive: Encodable {
        var attributes: [String: Int]
        var indices: Int
        var material: Int
        var mode = 4
        var targets: [[String: Int]]?
    }
    struct MeshExtras: Encodable { var targetNames: [String] }
    struct Mesh: Encodable {
        var name: String
        var primitives: [Primitive]
        /// Default morph target weights.
        var weights: [Float]?
        /// Morph target names, where Blender and three.js read them.
        var extras: MeshExtras?
    }
    struct Node: Encodable {
        var name: String
        var mesh: Int
        /// Uniform scale that turns quantized offsets into metres (`GLTFQuantization`).
        var scale: [Float]?
    }
    struct Scene: Encodable { var nodes: [Int] }
    struct TextureInfo: Encodable { var index: Int }
    struct PBR: Encodable {
        var baseColorFactor: [Float]?
        var baseColorTexture: TextureInfo?
        var metallicFactor: Float = 0
        var roughnessFactor: Float?
    }
    struct Material: Encodable {
        var name: String
        var pbrMetallicRoughness: PBR
        var normalTexture: TextureInfo?
    }
    struct Texture: Encodable {
        var sampler = 0
        var source: Int
    }
    struct Image: Encodable { var uri: String }
    struct Sampler: Encodable {
        /// Linear magnification, trilinear minification, repeat.
        var magFilter = 9729, minFilter = 9987, wrapS = 10497, wrapT = 10497
    }

    var asset: Info
    var extensionsUsed: [String]?
    var extensionsRequired: [String]?
    var scene = 0
    var scenes: [Scene] = []
    var nodes: [Node] = []
    var meshes: [Mesh] = []
    var materials: [Material] = []
    var textures: [Texture]?
    var images: [Image]?
    var samplers: [Sampler]?
    var accessors: [Accessor] = []
    var bufferViews: [BufferView] = []
    var buffers: [Buffer] = []

    /// Component types (spec §3.6.2.2).
    static let float = 5126, short = 5122, unsignedShort = 5123, unsignedInt = 5125
}

/// The document's one binary buffer and the views and accessors into it, each view 4-byte aligned.
struct GLTFBufferBuilder {
    var bytes = ByteWriter()
    var views: [GLTFDocument.BufferView] = []
    var accessors: [GLTFDocument.Accessor] = []

    /// Appends raw data as a new view; returns its index.
    mutating func view(_ data: (inout ByteWriter) -> Void, target: Int?) -> Int {
        while bytes.bytes.count % 4 != 0 { bytes.append(UInt8(0)) }
        let start = bytes.bytes.count
        data(&bytes)
        views.append(GLTFDocument.BufferView(byteOffset: start, byteLength: bytes.bytes.count - start, target: target))
        return views.count - 1
    }

    mutating func accessor(_ accessor: GLTFDocument.Accessor) -> Int {
        accessors.append(accessor)
        return accessors.count - 1
    }

    /// A float VEC3 attribute, with its bounds when asked (POSITION needs them).
    mutating func vec3(_ values: [SIMD3<Float>], bounds: Bool = false) -> Int {
        let v = view({ $0.append(vectors: values) }, target: 34962)
        var a = GLTFDocument.Accessor(
            bufferView: v, componentType: GLTFDocument.float, count: values.count, type: "VEC3")
        if bounds, let (lo, hi) = Self.bounds(values) { (a.min, a.max) = (lo, hi) }
        return accessor(a)
    }

    mutating func vec2(_ values: [SIMD2<Float>]) -> Int {
        let v = view({ $0.append(floats: values.flatMap { [$0.x, $0.y] }) }, target: 34962)
        return accessor(.init(bufferView: v, componentType: GLTFDocument.float, count: values.count, type: "VEC2"))
    }

    mutating func vec4(_ values: [SIMD4<Float>]) -> Int {
        let v = view({ $0.append(floats: values.flatMap { [$0.x, $0.y, $0.z, $0.w] }) }, target: 34962)
        return accessor(.init(bufferView: v, componentType: GLTFDocument.float, count: values.count, type: "VEC4"))
    }

    /// Triangle indices, 16-bit where every vertex fits.
    mutating func indices(_ values: [UInt32], vertexCount: Int) -> Int {
        let short = vertexCount <= 65535
        let v = view(
            { w in for i in values { if short { w.append(UInt16(i)) } else { w.append(i) } } }, target: 34963)
        return accessor(
            .init(
                bufferView: v, componentType: short ? GLTFDocument.unsignedShort : GLTFDocument.unsignedInt,
                count: values.count, type: "SCALAR"))
    }

    /// Per-axis minimum and maximum, as accessors state them (`Mesh.bounds`).
    static func bounds(_ values: [SIMD3<Float>]) -> ([Float], [Float])? {
        Mesh(positions: values).bounds.map { ([$0.min.x, $0.min.y, $0.min.z], [$0.max.x, $0.max.y, $0.max.z]) }
    }
}

extension GLTFBufferBuilder {
    /// A morph target's offsets over every vertex of a primitive: sparse (indices, then values)
    /// where that is smaller than one offset per vertex, else dense. Bounds are over every vertex,
    /// zeros included, as the spec asks of POSITION targets.
    mutating func offsets(_ dense: [SIMD3<Float>], bounds: Bool) -> Int {
        let moved = dense.indices.filter { dense[$0] != .zero }
        let shortIndices = dense.count <= 65536
        let sparseBytes = moved.count * ((shortIndices ? 2 : 4) + 12)
        guard !moved.isEmpty, sparseBytes < dense.count * 12 else { return vec3(dense, bounds: bounds) }
        let indexView = view(
            { w in for i in moved { if shortIndices { w.append(UInt16(i)) } else { w.append(UInt32(i)) } } },
            target: nil)
        let valueView = view({ $0.append(vectors: moved.map { dense[$0] }) }, target: nil)
        var a = GLTFDocument.Accessor(
            bufferView: nil, componentType: GLTFDocument.float, count: dense.count, type: "VEC3",
            sparse: .init(
                count: moved.count,
                indices: .init(
                    bufferView: indexView,
                    componentType: shortIndices ? GLTFDocument.unsignedShort : GLTFDocument.unsignedInt),
                values: .init(bufferView: valueView)))
        if bounds, let (lo, hi) = Self.bounds(dense) { (a.min, a.max) = (lo, hi) }
        return accessor(a)
    }
}

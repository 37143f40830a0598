import Foundation

/// Morph targets of large meshes as 16-bit integers (KHR_mesh_quantization): a rig of 53
/// expressions over a 148,402-vertex detailed face is 5.5 million offsets, 103 MB as floats.
///
/// Offsets are stored as normalized shorts of a power-of-two `scale` (metres) at least as large as
/// every offset component, so one step is scale / 32767 (about 1 µm for a face's expressions), and
/// the node carries `scale` while POSITION holds positions / scale (exact: a power of two). Sparse
/// targets index vertices with 16-bit numbers, so such a mesh is written in primitives of at most
/// 65,536 vertices (`VertexArrays.chunked`); vertices on a cut are written once per side.
struct GLTFQuantization {
    /// Meshes with more vertices than this and morph targets are quantized; smaller rigs keep
    /// float offsets, which every reader takes (Assimp 5.2.5 ignores `normalized`).
    static let vertexThreshold = 65_536
    static let extensionName = "KHR_mesh_quantization"

    let scale: Float

    init?(_ mesh: Mesh) {
        guard mesh.hasMorphTargets, mesh.positions.count > Self.vertexThreshold else { return nil }
        var largest: Float = 0
        for target in mesh.morphTargets {
            for d in target.positionDeltas { largest = max(largest, abs(d.x), abs(d.y), abs(d.z)) }
        }
        scale = largest > 0 ? Float(pow(2, ceil(log2(Double(largest))))) : 1
    }

    /// An offset in metres as normalized shorts of `scale`.
    func quantized(_ d: SIMD3<Float>) -> SIMD3<Int16> {
        let k = 32767 / scale
        let q = { (v: Float) in Int16(clamping: Int((v * k).rounded())) }
        return SIMD3(q(d.x), q(d.y), q(d.z))
    }
}

extension GLTFBufferBuilder {
    /// A morph target's quantized offsets over a primitive of at most 65,536 vertices: sparse, with
    /// 16-bit indices and normalized shorts. Where nothing moves, one zero entry: Assimp refuses an
    /// accessor with no data (which the spec reads as zeros).
    mutating func quantizedOffsets(_ dense: [SIMD3<Int16>]) -> Int {
        precondition(dense.count <= 65_536, "quantized targets index vertices with 16 bits")
        var moved = dense.indices.filter { dense[$0] != .zero }
        if moved.isEmpty { moved = [0] }
        var lo = SIMD3<Int16>(repeating: 0)
        var hi = lo
        for i in moved {
            lo = pointwiseMin(lo, dense[i])
            hi = pointwiseMax(hi, dense[i])
        }
        let indexView = view({ w in for i in moved { w.append(UInt16(i)) } }, target: nil)
        let valueView = view(
            { w in
                for i in moved {
                    w.append(dense[i].x)
                    w.append(dense[i].y)
                    w.append(dense[i].z)
                }
            }, target: nil)
        let a = GLTFDocument.Accessor(
            bufferView: nil, componentType: GLTFDocument.short, count: dense.count, type: "VEC3", normalized: true,
            min: [lo.x, lo.y, lo.z].map(Float.init), max: [hi.x, hi.y, hi.z].map(Float.init),
            sparse: .init(
                count: moved.count, indices: .init(bufferView: indexView, componentType: GLTFDocument.unsignedShort),
                values: .init(bufferView: valueView)))
        return accessor(a)
    }
}

extension VertexArrays {
    /// The same triangles in pieces of at most `maxVertices` vertices, in face order; a vertex
    /// used on both sides of a cut is copied into each piece.
    func chunked(maxVertices: Int) -> [VertexArrays] {
        guard positions.count > maxVertices else { return [self] }
        var chunks: [VertexArrays] = []
        var current = VertexArrays(name: name, material: material)
        var local: [UInt32: UInt32] = [:]
        func finish() {
            chunks.append(current)
            current = VertexArrays(name: name, material: material)
            local = [:]
        }
        var start = 0
        for size in faceSizes.map(Int.init) {
            let corners = indices[start..<start + size]
            start += size
            if current.positions.count + corners.filter({ local[$0] == nil }).count > maxVertices { finish() }
            current.faceSizes.append(UInt32(size))
            for v in corners {
                if let known = local[v] {
                    current.indices.append(known)
                    continue
                }
                let new = UInt32(current.positions.count)
                local[v] = new
                current.indices.append(new)
                let i = Int(v)
                current.positions.append(positions[i])
                if !normals.isEmpty { current.normals.append(normals[i]) }
                if !uvs.isEmpty { current.uvs.append(uvs[i]) }
                if !colors.isEmpty { current.colors.append(colors[i]) }
                if !tangents.isEmpty { current.tangents.append(tangents[i]) }
                if !sourcePositions.isEmpty { current.sourcePositions.append(sourcePositions[i]) }
            }
        }
        if !current.faceSizes.isEmpty { finish() }
        return chunks
    }
}

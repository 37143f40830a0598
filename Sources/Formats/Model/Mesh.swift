/// A polygon mesh of triangles and quads, the unit of geometry every stage and plugin passes.
///
/// Shapes and invariants (checked by `validate()`):
/// - `positions`: V points in the owning `Asset`'s unit; `normals`, `tangents`, `colors`: empty or V.
/// - `faceSizes`: F entries, each 3 or 4; `faceVertexIndices`: one index into `positions` per corner
///   (the sum of `faceSizes`), faces stored back to back, counter-clockwise seen from the front.
/// - `uvs`: T coordinates (origin bottom-left, v up), indexed per corner by `faceUVIndices` (empty or
///   one per corner) so that UV seams do not split positions.
/// - `faceMaterials`: empty (all faces use material 0) or F indices into `Asset.materials`.
/// - `tangents`: xyz unit tangent along +u, w = ±1 handedness (bitangent = w · normal × tangent).
/// - `morphTargets`: named blendshapes over `positions` (`MorphTarget`); `positions` hold the shape at
///   their default weights. Operations that keep the positions' order (triangulation, unit and axis
///   changes) keep them; subdivision refines them with the positions; merging joins them by name.
public struct Mesh: Sendable, Equatable {
    public var name: String
    public var positions: [SIMD3<Float>]
    public var normals: [SIMD3<Float>]
    public var tangents: [SIMD4<Float>]
    public var colors: [SIMD4<Float>]
    public var uvs: [SIMD2<Float>]
    public var faceSizes: [UInt8]
    public var faceVertexIndices: [UInt32]
    public var faceUVIndices: [UInt32]
    public var faceMaterials: [UInt32]
    public var morphTargets: [MorphTarget]

    public init(
        name: String = "mesh", positions: [SIMD3<Float>] = [], normals: [SIMD3<Float>] = [],
        tangents: [SIMD4<Float>] = [], colors: [SIMD4<Float>] = [], uvs: [SIMD2<Float>] = [],
        faceSizes: [UInt8] = [], faceVertexIndices: [UInt32] = [], faceUVIndices: [UInt32] = [],
        faceMaterials: [UInt32] = [], morphTargets: [MorphTarget] = []
    ) {
        self.name = name
        self.positions = positions
        self.normals = normals
        self.tangents = tangents
        self.colors = colors
        self.uvs = uvs
        self.faceSizes = faceSizes
        self.faceVertexIndices = faceVertexIndices
        self.faceUVIndices = faceUVIndices
        self.faceMaterials = faceMaterials
        self.morphTargets = morphTargets
    }

    public var faceCount: Int { faceSizes.count }
    public var cornerCount: Int { faceVertexIndices.count }
    /// Triangles after fan triangulation: one per triangle, two per quad.
    public var triangleCount: Int { faceSizes.reduce(0) { $0 + Int($1) - 2 } }
    public var hasUVs: Bool { !faceUVIndices.isEmpty }
    public var hasNormals: Bool { !normals.isEmpty }

    /// Offset of each face's first corner in the corner arrays (F + 1 entries, the last = corners).
    public var faceOffsets: [Int] {
        var offsets = [Int](repeating: 0, count: faceSizes.count + 1)
        for f in faceSizes.indices { offsets[f + 1] = offsets[f] + Int(faceSizes[f]) }
        return offsets
    }

    /// Material of face `f`.
    @inlinable public func material(ofFace f: Int) -> UInt32 { faceMaterials.isEmpty ? 0 : faceMaterials[f] }

    /// Axis-aligned bounds of the positions; nil for an empty mesh.
    public var bounds: (min: SIMD3<Float>, max: SIMD3<Float>)? {
        guard var lo = positions.first else { return nil }
        var hi = lo
        for p in positions {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        return (lo, hi)
    }

    /// Checks every invariant above; `materialCount` bounds `faceMaterials`.
    public func validate(materialCount: Int) throws {
        func bad(_ what: String) -> FormatError { .invalidAsset("mesh '\(name)': \(what)") }
        let v = positions.count
        for (label, count) in [("normals", normals.count), ("tangents", tangents.count), ("colors", colors.count)]
        where count != 0 && count != v {
            throw bad("\(label) has \(count) entries, expected 0 or \(v) (one per position)")
        }
        if let f = faceSizes.firstIndex(where: { $0 != 3 && $0 != 4 }) {
            throw bad("face \(f) has \(faceSizes[f]) corners, expected 3 or 4")
        }
        let corners = faceSizes.reduce(0) { $0 + Int($1) }
        guard faceVertexIndices.count == corners else {
            throw bad("\(faceVertexIndices.count) corner indices, expected \(corners)")
        }
        if let i = faceVertexIndices.first(where: { Int($0) >= v }) { throw bad("corner index \(i) ≥ \(v) positions") }
        if !faceUVIndices.isEmpty {
            guard faceUVIndices.count == corners else {
                throw bad("\(faceUVIndices.count) UV indices, expected \(corners)")
            }
            if let i = faceUVIndices.first(where: { Int($0) >= uvs.count }) {
                throw bad("UV index \(i) ≥ \(uvs.count) UVs")
            }
        }
        if !faceMaterials.isEmpty {
            guard faceMaterials.count == faceSizes.count else {
                throw bad("\(faceMaterials.count) face materials, expected \(faceSizes.count)")
            }
            if let m = faceMaterials.first(where: { Int($0) >= materialCount }) {
                throw bad("material index \(m) ≥ \(materialCount) materials")
            }
        }
        if !positions.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) {
            throw bad("a position is NaN or infinite")
        }
        try validateMorphTargets()
    }
}

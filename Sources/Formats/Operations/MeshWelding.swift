/// Per-vertex attribute arrays as Assimp and most GPU formats hold them: every attribute indexed
/// by the same vertex index, UV seams split into separate vertices, one material per submesh.
struct VertexArrays {
    var name: String
    var material: UInt32
    var positions: [SIMD3<Float>] = []
    var normals: [SIMD3<Float>] = []
    var uvs: [SIMD2<Float>] = []
    var colors: [SIMD4<Float>] = []
    var tangents: [SIMD4<Float>] = []
    var faceSizes: [UInt32] = []
    var indices: [UInt32] = []
    /// Per-face materials; empty means every face uses `material`.
    var faceMaterials: [UInt32] = []
    /// The position of the source mesh each vertex came from (`Mesh.unweldedByMaterial`), so that
    /// per-position data such as morph targets can follow; empty otherwise.
    var sourcePositions: [UInt32] = []
    /// Morph targets as an importer gives them: each target's full shape, one position per vertex,
    /// and its weight (`Mesh(welding:)` turns them into offsets).
    var morphs: [(name: String, weight: Float, positions: [SIMD3<Float>])] = []
}

/// The bit patterns of a vertex's attributes (position, normal, colour, tangent: 14 floats), so
/// that only exactly equal vertices are joined; a fixed-size key keeps hashing allocation-free.
private func vertexKey(_ a: VertexArrays, _ v: Int) -> SIMD16<UInt32> {
    var key = SIMD16<UInt32>(repeating: 0)
    let p = a.positions[v]
    key[0] = p.x.bitPattern
    key[1] = p.y.bitPattern
    key[2] = p.z.bitPattern
    if !a.normals.isEmpty {
        let n = a.normals[v]
        key[3] = n.x.bitPattern
        key[4] = n.y.bitPattern
        key[5] = n.z.bitPattern
    }
    if !a.colors.isEmpty { for i in 0..<4 { key[6 + i] = a.colors[v][i].bitPattern } }
    if !a.tangents.isEmpty { for i in 0..<4 { key[10 + i] = a.tangents[v][i].bitPattern } }
    return key
}

/// Indices of distinct keys in first-seen order: an open-addressing table with a multiplicative
/// hash of the bit patterns, several times faster than `Dictionary`'s SipHash over 64-byte keys
/// (the weld was a fifth of `convert`'s time on the corpus's largest glTF).
struct BitPatternTable<Key: SIMD> where Key.Scalar == UInt32 {
    private var keys: [Key]
    private var slots: [UInt32]
    private var mask: Int

    /// Sized for `capacity` keys; it grows past that (kept at most half full).
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        mask = size - 1
        slots = [UInt32](repeating: .max, count: size)
        keys = []
        keys.reserveCapacity(capacity)
    }

    /// The index of `key`, giving it `next` (and isNew) when it is not there yet.
    mutating func index(of key: Key, next: UInt32) -> (index: UInt32, isNew: Bool) {
        var slot = Self.home(of: key, mask: mask)
        while slots[slot] != .max {
            let existing = slots[slot]
            if keys[Int(existing)] == key { return (existing, false) }
            slot = (slot + 1) & mask
        }
        precondition(next == UInt32(keys.count), "indices are handed out in order")
        keys.append(key)
        if 2 * keys.count > slots.count {
            grow()
        } else {
            slots[slot] = next
        }
        return (next, true)
    }

    private static func home(of key: Key, mask: Int) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in key.indices { h = (h ^ UInt64(key[i])) &* 0xBF58_476D_1CE4_E5B9 }
        return Int(truncatingIfNeeded: h ^ (h >> 31)) & mask
    }

    /// Twice the slots, every key placed again (their indices do not change).
    private mutating func grow() {
        mask = 2 * slots.count - 1
        slots = [UInt32](repeating: .max, count: mask + 1)
        for (index, key) in keys.enumerated() {
            var slot = Self.home(of: key, mask: mask)
            while slots[slot] != .max { slot = (slot + 1) & mask }
            slots[slot] = UInt32(index)
        }
    }
}

extension Mesh {
    /// Builds a mesh from per-vertex arrays, joining vertices that differ only in UV (so seams
    /// become separate UV indices, not separate positions). Polygons of more than four corners are
    /// split into fans of triangles.
    init(welding arrays: VertexArrays) {
        self.init(name: arrays.name)
        var positionIndex = BitPatternTable<SIMD16<UInt32>>(capacity: arrays.positions.count)
        var uvIndex = BitPatternTable<SIMD2<UInt32>>(capacity: arrays.uvs.count)
        var vertexToPosition = [UInt32](repeating: 0, count: arrays.positions.count)
        var vertexToUV = [UInt32](repeating: 0, count: arrays.positions.count)
        for v in arrays.positions.indices {
            let (index, isNew) = positionIndex.index(of: vertexKey(arrays, v), next: UInt32(positions.count))
            vertexToPosition[v] = index
            if isNew {
                positions.append(arrays.positions[v])
                if !arrays.normals.isEmpty { normals.append(arrays.normals[v]) }
                if !arrays.colors.isEmpty { colors.append(arrays.colors[v]) }
                if !arrays.tangents.isEmpty { tangents.append(arrays.tangents[v]) }
            }
            if !arrays.uvs.isEmpty {
                let key = SIMD2(arrays.uvs[v].x.bitPattern, arrays.uvs[v].y.bitPattern)
                let (index, isNew) = uvIndex.index(of: key, next: UInt32(uvs.count))
                vertexToUV[v] = index
                if isNew { uvs.append(arrays.uvs[v]) }
            }
        }
        // A welded position takes the offsets of its first vertex; `positions` become the shape at
        // the targets' weights (`MorphTarget`'s convention).
        var first = [Int](repeating: -1, count: positions.count)
        for v in arrays.positions.indices.reversed() { first[Int(vertexToPosition[v])] = v }
        morphTargets = arrays.morphs.map { morph in
            MorphTarget(
                name: morph.name, denseDeltas: first.map { morph.positions[$0] - arrays.positions[$0] },
                defaultWeight: morph.weight)
        }
        for target in morphTargets where target.defaultWeight != 0 {
            for (k, v) in target.indices.enumerated() {
                positions[Int(v)] += target.defaultWeight * target.positionDeltas[k]
            }
        }
        let hasUVs = !arrays.uvs.isEmpty
        faceSizes.reserveCapacity(arrays.faceSizes.count)
        faceVertexIndices.reserveCapacity(arrays.indices.count)
        if hasUVs { faceUVIndices.reserveCapacity(arrays.indices.count) }
        var start = 0
        for (face, size) in arrays.faceSizes.map(Int.init).enumerated() {
            let material = arrays.faceMaterials.isEmpty ? arrays.material : arrays.faceMaterials[face]
            func corner(_ k: Int) {
                let vertex = Int(arrays.indices[start + k])
                faceVertexIndices.append(vertexToPosition[vertex])
                if hasUVs { faceUVIndices.append(vertexToUV[vertex]) }
            }
            // Up to four corners as they are; more become a fan of triangles from the first.
            if size <= 4 {
                faceSizes.append(UInt8(size))
                for k in 0..<size { corner(k) }
                faceMaterials.append(material)
            } else {
                for k in 1..<(size - 1) {
                    faceSizes.append(3)
                    corner(0)
                    corner(k)
                    corner(k + 1)
                    faceMaterials.append(material)
                }
            }
            start += size
        }
    }

    /// One mesh holding every face of `meshes`, named after the first, with identical vertices
    /// joined across them. Morph targets are joined by name (a mesh without one stays still under
    /// it; the first mesh's default weight wins).
    init(merging meshes: [Mesh]) {
        var all = VertexArrays(name: meshes.first?.name ?? "mesh", material: 0)
        let uniform = (
            normals: meshes.allSatisfy(\.hasNormals), uvs: meshes.allSatisfy(\.hasUVs),
            colors: meshes.allSatisfy { !$0.colors.isEmpty }, tangents: meshes.allSatisfy { !$0.tangents.isEmpty }
        )
        var names: [String] = []
        var weights: [String: Float] = [:]
        for target in meshes.flatMap(\.morphTargets) where weights[target.name] == nil {
            names.append(target.name)
            weights[target.name] = target.defaultWeight
        }
        var shapes = [[SIMD3<Float>]](repeating: [], count: names.count)
        for mesh in meshes {
            // Vertices are joined on their base shape; each target's shape rides along.
            let base = mesh.basePositions
            let offsets = Dictionary(
                mesh.morphTargets.map { ($0.name, $0.denseDeltas(count: mesh.positions.count)) },
                uniquingKeysWith: { a, _ in a })
            for part in mesh.unweldedByMaterial() {
                let start = UInt32(all.positions.count)
                let sources = part.sourcePositions.map(Int.init)
                all.positions += sources.map { base[$0] }
                for (k, name) in names.enumerated() {
                    shapes[k] += sources.map { base[$0] + (offsets[name]?[$0] ?? .zero) }
                }
                if uniform.normals { all.normals += part.normals }
                if uniform.uvs { all.uvs += part.uvs }
                if uniform.colors { all.colors += part.colors }
                if uniform.tangents { all.tangents += part.tangents }
                all.faceSizes += part.faceSizes
                all.indices += part.indices.map { $0 + start }
                all.faceMaterials += Array(repeating: part.material, count: part.faceSizes.count)
            }
        }
        all.morphs = names.enumerated().map { ($1, weights[$1]!, shapes[$0]) }
        self.init(welding: all)
    }

    /// Splits the mesh into per-vertex arrays, one per material in ascending order, duplicating a
    /// position once for each distinct UV it carries.
    func unweldedByMaterial() -> [VertexArrays] {
        let offsets = faceOffsets
        let materials = Set(faceSizes.indices.map { material(ofFace: $0) }).sorted()
        return materials.map { materialIndex in
            var out = VertexArrays(name: name, material: materialIndex)
            var vertexOf = BitPatternTable<SIMD2<UInt32>>(capacity: faceVertexIndices.count)
            for f in faceSizes.indices where material(ofFace: f) == materialIndex {
                out.faceSizes.append(UInt32(faceSizes[f]))
                for corner in offsets[f]..<offsets[f + 1] {
                    let p = faceVertexIndices[corner]
                    let t = hasUVs ? faceUVIndices[corner] : 0
                    let (v, isNew) = vertexOf.index(of: SIMD2(p, t), next: UInt32(out.positions.count))
                    out.indices.append(v)
                    guard isNew else { continue }
                    out.positions.append(positions[Int(p)])
                    out.sourcePositions.append(p)
                    if hasNormals { out.normals.append(normals[Int(p)]) }
                    if !colors.isEmpty { out.colors.append(colors[Int(p)]) }
                    if !tangents.isEmpty { out.tangents.append(tangents[Int(p)]) }
                    if hasUVs { out.uvs.append(uvs[Int(t)]) }
                }
            }
            return out
        }
    }
}

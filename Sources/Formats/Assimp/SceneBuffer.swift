/// The "FDS1" flat scene layout shared with the C++ bridge (Sources/CAssimpBridge), little-endian:
///
///     "FDS1"
///     u32 materialCount, then per material:
///         str name; f32×4 base colour RGBA; f32 roughness (< 0: none);
///         u32 textureCount, then per texture: u32 slot (0 base, 1 normal, 2 displacement,
///         3 roughness, 4 bump/height), str path
///     u32 meshCount, then per mesh:
///         str name; u32 node (meshes of one node form one mesh on import); u32 material; u32 vertexCount V; u32 flags (1 normals, 2 UVs, 4 colours,
///         8 tangents); f32×3×V positions; then per flag in that order f32×3×V, f32×2×V, f32×4×V,
///         f32×4×V (tangent xyz, handedness w); u32 faceCount F; u32 indexCount; u32×F face sizes;
///         u32×indexCount indices; u32 morphCount, then per morph target (import only): str name,
///         f32 weight, f32×3×V the target's positions
///     u32 metadataCount, then str key, str value each            (import only)
///     u32 embeddedCount, then str "*N", str format hint, str file name, u32 size, bytes (import only)
///
/// where str is u32 byte count then UTF-8 bytes.
enum SceneBuffer {
    static let slots: [TextureSlot?] = [.baseColor, .normal, .displacement, .roughness, nil]

    struct Decoded {
        var materials: [Material]
        var meshes: [Mesh]
        var metadata: [String: String]
        /// Bump (height) textures by material, which our model has no slot for.
        var bumpTextures: [Int: String]
        var embedded: [(reference: String, hint: String, fileName: String, bytes: [UInt8])]
    }

    /// Encodes `asset` for export: one submesh per (mesh, material), attributes per vertex.
    static func encode(_ asset: Asset) -> [UInt8] {
        var w = ByteWriter()
        w.append(bytes: Array("FDS1".utf8))
        let materials = asset.materialsOrDefault
        w.append(UInt32(materials.count))
        for m in materials {
            w.appendString(m.name)
            for c in 0..<4 { w.append(m.baseColor[c]) }
            w.append(m.roughness ?? -1)
            let textures = m.textures
            w.append(UInt32(textures.count))
            for t in textures {
                w.append(UInt32(slots.firstIndex(of: t.slot)!))
                w.appendString(t.path)
            }
        }
        let submeshes = asset.meshes.enumerated().flatMap { index, mesh in mesh.unweldedByMaterial().map { (index, $0) }
        }
        w.append(UInt32(submeshes.count))
        for (node, s) in submeshes {
            w.appendString(s.name)
            w.append(UInt32(node))
            w.append(s.material)
            w.append(UInt32(s.positions.count))
            var flags: UInt32 = 0
            if !s.normals.isEmpty { flags |= 1 }
            if !s.uvs.isEmpty { flags |= 2 }
            if !s.colors.isEmpty { flags |= 4 }
            if !s.tangents.isEmpty && !s.normals.isEmpty { flags |= 8 }
            w.append(flags)
            for p in s.positions {
                w.append(p.x)
                w.append(p.y)
                w.append(p.z)
            }
            if flags & 1 != 0 {
                for n in s.normals {
                    w.append(n.x)
                    w.append(n.y)
                    w.append(n.z)
                }
            }
            if flags & 2 != 0 {
                for t in s.uvs {
                    w.append(t.x)
                    w.append(t.y)
                }
            }
            if flags & 4 != 0 { for c in s.colors { for k in 0..<4 { w.append(c[k]) } } }
            if flags & 8 != 0 { for t in s.tangents { for k in 0..<4 { w.append(t[k]) } } }
            w.append(UInt32(s.faceSizes.count))
            w.append(UInt32(s.indices.count))
            for size in s.faceSizes { w.append(UInt32(size)) }
            for i in s.indices { w.append(i) }
            w.append(UInt32(0))
        }
        w.append(UInt32(0))
        w.append(UInt32(0))
        return w.bytes
    }

    /// Decodes an imported scene; meshes come back welded (UV seams as UV indices).
    static func decode(_ bytes: [UInt8], keepingMorphTargets: Bool = true) throws -> Decoded {
        var r = ByteReader(bytes, what: "Assimp's scene")
        guard try r.readBytes(4).elementsEqual("FDS1".utf8) else { throw FormatError(.malformed, "not an FDS1 buffer") }
        var decoded = Decoded(materials: [], meshes: [], metadata: [:], bumpTextures: [:], embedded: [])
        for index in 0..<Int(try r.read(UInt32.self)) {
            var m = Material(name: try r.readString())
            m.baseColor = SIMD4(try r.readFloat(), try r.readFloat(), try r.readFloat(), try r.readFloat())
            let roughness = try r.readFloat()
            m.roughness = roughness >= 0 ? roughness : nil
            for _ in 0..<Int(try r.read(UInt32.self)) {
                let slot = Int(try r.read(UInt32.self))
                let path = try r.readString()
                if slot < slots.count, let s = slots[slot] {
                    m[texture: s] = path
                } else {
                    decoded.bumpTextures[index] = path
                }
            }
            decoded.materials.append(m)
        }
        var groups: [(node: UInt32, meshes: [Mesh])] = []
        for _ in 0..<Int(try r.read(UInt32.self)) {
            let name = try r.readString()
            let node = try r.read(UInt32.self)
            var arrays = VertexArrays(name: name, material: try r.read(UInt32.self))
            let count = Int(try r.read(UInt32.self))
            let flags = try r.read(UInt32.self)
            func vec3() throws -> [SIMD3<Float>] {
                try (0..<count).map { _ in SIMD3(try r.readFloat(), try r.readFloat(), try r.readFloat()) }
            }
            func vec4() throws -> [SIMD4<Float>] {
                try (0..<count).map { _ in
                    SIMD4(try r.readFloat(), try r.readFloat(), try r.readFloat(), try r.readFloat())
                }
            }
            guard r.remaining >= count * 12 else { throw FormatError(.malformed, "Assimp's scene is truncated") }
            arrays.positions = try vec3()
            if flags & 1 != 0 { arrays.normals = try vec3() }
            if flags & 2 != 0 { arrays.uvs = try (0..<count).map { _ in SIMD2(try r.readFloat(), try r.readFloat()) } }
            if flags & 4 != 0 { arrays.colors = try vec4() }
            if flags & 8 != 0 { arrays.tangents = try vec4() }
            let faces = Int(try r.read(UInt32.self))
            let indexCount = Int(try r.read(UInt32.self))
            guard r.remaining >= (faces + indexCount) * 4 else {
                throw FormatError(.malformed, "Assimp's scene is truncated")
            }
            arrays.faceSizes = try (0..<faces).map { _ in try r.read(UInt32.self) }
            arrays.indices = try (0..<indexCount).map { _ in try r.read(UInt32.self) }
            guard arrays.faceSizes.reduce(0, { $0 + Int($1) }) == indexCount,
                arrays.indices.allSatisfy({ Int($0) < count })
            else {
                throw FormatError(.malformed, "Assimp returned a mesh with inconsistent faces")
            }
            for _ in 0..<Int(try r.read(UInt32.self)) {
                let name = try r.readString()
                let weight = try r.readFloat()
                guard r.remaining >= count * 12 else { throw FormatError(.malformed, "Assimp's scene is truncated") }
                let shape = try vec3()
                if keepingMorphTargets { arrays.morphs.append((name, weight, shape)) }
            }
            let mesh = Mesh(welding: arrays)
            if let last = groups.indices.last, groups[last].node == node {
                groups[last].meshes.append(mesh)
            } else {
                groups.append((node, [mesh]))
            }
        }
        // Assimp splits a node's mesh by material; our meshes carry per-face materials instead.
        decoded.meshes = groups.map { $0.meshes.count == 1 ? $0.meshes[0] : Mesh(merging: $0.meshes) }
        for _ in 0..<Int(try r.read(UInt32.self)) {
            let key = try r.readString()
            decoded.metadata[key] = try r.readString()
        }
        for _ in 0..<Int(try r.read(UInt32.self)) {
            let reference = try r.readString()
            let hint = try r.readString()
            let fileName = try r.readString()
            let size = Int(try r.read(UInt32.self))
            decoded.embedded.append((reference, hint, fileName, Array(try r.readBytes(size))))
        }
        return decoded
    }
}

import Foundation

/// Native Wavefront OBJ + MTL writer.
///
/// Assimp's OBJ exporter writes a normal map as `map_bump`, which readers take as a height map. We
/// state it twice, for the two ways readers look for it: `norm` (the MTL extension Assimp,
/// tinyobjloader and three.js read as a tangent-space normal map) and `map_Bump` (which Blender's
/// importer wires through a Normal Map node). Lengths are in `MeshWriteOptions.unitlessFormatUnit`;
/// quads stay quads; UV seams use separate `vt` indices.
struct OBJWriter: MeshWriter {
    func write(_ asset: Asset, fileName: String, to sink: any FileSink, options: MeshWriteOptions) throws {
        try asset.validate()
        let scene = asset.converted(to: options.unitlessFormatUnit)
        let materials = scene.materialsOrDefault
        let names = Self.uniqueNames(materials.map(\.name))
        let mtlName = (fileName as NSString).deletingPathExtension + ".mtl"
        // Written as bytes: a subdivided face is 1.5 million numbers, and building a String per
        // line cost as much as formatting them. Floats are their `description` (the shortest text
        // that reads back exactly), as string interpolation writes them.
        var obj = OBJText()
        obj.put("# facedetail OBJ; lengths in \(options.unitlessFormatUnit.symbol), +Y up\nmtllib \(mtlName)\n")
        var base = (position: 1, uv: 1, normal: 1)
        for mesh in scene.meshes where mesh.faceCount > 0 {
            obj.put("o \(Self.token(mesh.name))\n")
            // OBJ indexes positions and normals apart: each distinct one is written once (our mesh
            // repeats a position whose normals differ, a hard edge; assimp's OBJ is as compact).
            let (positionOf, positions) = Self.distinct(mesh.positions.indices) { i in
                let p = mesh.positions[i]
                let c = mesh.colors.isEmpty ? SIMD4<Float>(repeating: 0) : mesh.colors[i]
                return SIMD8(
                    p.x.bitPattern, p.y.bitPattern, p.z.bitPattern, c.x.bitPattern, c.y.bitPattern,
                    c.z.bitPattern, c.w.bitPattern, 0)
            }
            for i in positions {
                let p = mesh.positions[i]
                obj.put("v ", p.x, p.y, p.z)
                if !mesh.colors.isEmpty { obj.put("", mesh.colors[i].x, mesh.colors[i].y, mesh.colors[i].z) }
                obj.newline()
            }
            if mesh.hasUVs {
                for t in mesh.uvs {
                    obj.put("vt ", t.x, t.y)
                    obj.newline()
                }
            }
            let (normalOf, normals) = Self.distinct(mesh.normals.indices) { i in
                let n = mesh.normals[i]
                return SIMD4(n.x.bitPattern, n.y.bitPattern, n.z.bitPattern, 0)
            }
            for i in normals {
                let n = mesh.normals[i]
                obj.put("vn ", n.x, n.y, n.z)
                obj.newline()
            }
            let offsets = mesh.faceOffsets
            var current: UInt32? = nil
            for f in mesh.faceSizes.indices {
                let material = mesh.material(ofFace: f)
                if material != current {
                    obj.put("usemtl \(names[Int(material)])\n")
                    current = material
                }
                obj.put("f")
                for c in offsets[f]..<offsets[f + 1] {
                    let vertex = Int(mesh.faceVertexIndices[c])
                    obj.put(" ")
                    obj.put(Int(positionOf[vertex]) + base.position)
                    if mesh.hasUVs || mesh.hasNormals { obj.put("/") }
                    if mesh.hasUVs { obj.put(Int(mesh.faceUVIndices[c]) + base.uv) }
                    if mesh.hasNormals {
                        obj.put("/")
                        obj.put(Int(normalOf[vertex]) + base.normal)
                    }
                }
                obj.newline()
            }
            base.position += positions.count
            base.uv += mesh.hasUVs ? mesh.uvs.count : 0
            base.normal += normals.count
        }
        var mtl = "# facedetail MTL\n"
        for (material, name) in zip(materials, names) {
            let c = material.baseColor
            mtl += "\nnewmtl \(name)\nKa 0 0 0\nKd \(c.x) \(c.y) \(c.z)\nKs 0 0 0\nd \(c.w)\nillum 1\n"
            if let r = material.roughness { mtl += "Pr \(r)\n" }
            if let path = material.baseColorTexture { mtl += "map_Kd \(path)\n" }
            if let path = material.normalTexture { mtl += "norm \(path)\nmap_Bump -bm 1 \(path)\n" }
            if let path = material.displacementTexture { mtl += "disp \(path)\n" }
            if let path = material.roughnessTexture { mtl += "map_Pr \(path)\n" }
        }
        try sink.write(obj.bytes, to: fileName)
        try sink.write(Array(mtl.utf8), to: mtlName)
    }

    /// For each of `items`, the index of the first item with its key, numbered in first-seen order,
    /// and those first items.
    static func distinct<Key: SIMD>(_ items: Range<Int>, key: (Int) -> Key) -> (index: [UInt32], firsts: [Int])
    where Key.Scalar == UInt32 {
        var table = BitPatternTable<Key>(capacity: items.count)
        var index = [UInt32](repeating: 0, count: items.count)
        var firsts: [Int] = []
        for i in items {
            let (k, isNew) = table.index(of: key(i), next: UInt32(firsts.count))
            index[i] = k
            if isNew { firsts.append(i) }
        }
        return (index, firsts)
    }

    /// OBJ statements end at whitespace: names keep their words joined by '_'.
    static func token(_ name: String) -> String {
        let joined = name.split(whereSeparator: \.isWhitespace).joined(separator: "_")
        return joined.isEmpty ? "unnamed" : joined
    }

    static func uniqueNames(_ names: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return names.map { raw in
            let name = token(raw)
            let n = seen[name, default: 0]
            seen[name] = n + 1
            return n == 0 ? name : "\(name)_\(n)"
        }
    }
}

extension FormatDescriptor {
    public static let obj = FormatDescriptor(
        id: "obj", summary: "Wavefront OBJ with MTL materials (unitless: --units, +Y up)", kind: .mesh,
        extensions: ["obj"],
        capabilities: [
            .uvs, .normals, .vertexColors, .quads, .materials, .baseColorTexture, .normalTexture,
            .displacementTexture, .roughnessTexture, .exrTextures, .multiFile,
        ],
        unitPolicy: .unitless, backend: "native (reads through \(AssimpBackend.versionLabel))",
        meshReader: AssimpMeshReader(), meshWriter: OBJWriter())
}

/// An OBJ file's bytes, appended to without building a String per line.
struct OBJText {
    private(set) var bytes: [UInt8] = []

    mutating func put(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `prefix`, then each value after a space as `"\(value)"` writes it ("v 1.5 0.0 -2.25").
    mutating func put(_ prefix: String, _ values: Float...) {
        put(prefix)
        for (k, value) in values.enumerated() {
            if k > 0 || prefix.isEmpty { bytes.append(0x20) }
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// A non-negative index in decimal.
    mutating func put(_ value: Int) {
        var n = value
        var divisor = 1
        while divisor <= n / 10 { divisor *= 10 }
        repeat {
            bytes.append(UInt8(0x30 + n / divisor))
            n %= divisor
            divisor /= 10
        } while divisor > 0
    }

    mutating func newline() { bytes.append(0x0A) }
}

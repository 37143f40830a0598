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
        var base = (position: 1, uv: 1)
        for mesh in scene.meshes where mesh.faceCount > 0 {
            obj.put("o \(Self.token(mesh.name))\n")
            for (i, p) in mesh.positions.enumerated() {
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
            for n in mesh.normals {
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
                    let v = Int(mesh.faceVertexIndices[c]) + base.position
                    obj.put(" ")
                    obj.put(v)
                    if mesh.hasUVs || mesh.hasNormals { obj.put("/") }
                    if mesh.hasUVs { obj.put(Int(mesh.faceUVIndices[c]) + base.uv) }
                    if mesh.hasNormals {
                        obj.put("/")
                        obj.put(v)
                    }
                }
                obj.newline()
            }
            base.position += mesh.positions.count
            base.uv += mesh.hasUVs ? mesh.uvs.count : 0
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

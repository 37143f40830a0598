/// Native USD writer (.usda text; Assimp 5.2.5 has no USD exporter), for Houdini Solaris,
/// Omniverse, usdview and Apple's tools. One layer:
///
/// - Stage metadata: `metersPerUnit = 0.01` (DESIGN.md: USD in centimetres), `upAxis = "Y"`,
///   `defaultPrim = "Root"`.
/// - `/Root` (an Xform, or a SkelRoot when a mesh has morph targets) holding one `UsdGeomMesh` per
///   mesh: faceVertexCounts and faceVertexIndices (quads kept), points, vertex normals,
///   `primvars:st` face-varying with indices (UV seams stay seams), `subdivisionScheme = "none"`
///   (the mesh is already the surface), extent, `primvars:displayColor` for vertex colours, and
///   per-face materials as `materialBind` GeomSubsets.
/// - `/Root/Materials`: one `Material` per material, a `UsdPreviewSurface` with diffuseColor from
///   the base colour texture (sRGB), the normal map through `UsdUVTexture` with scale (2, 2, 2, 1),
///   bias (−1, −1, −1, 0) and raw colour space, displacement from the map's first channel scaled to
///   centimetres, all reading `st` through one `UsdPrimvarReader_float2`.
/// - Morph targets: `UsdSkelBlendShape` children of the mesh (offsets, pointIndices) bound through
///   `skel:blendShapes` and `skel:blendShapeTargets`; `/Root/Skeleton` (no joints) and its
///   `SkelAnimation` hold the default weights, so the stage opens showing the mesh's `positions`.
///   The points are the base shape.
struct USDAWriter: MeshWriter {
    static let unit = LengthUnit.centimetre

    func write(_ asset: Asset, fileName: String, to sink: any FileSink, options: MeshWriteOptions) throws {
        try asset.validate()
        let scene = asset.converted(to: Self.unit)
        let materials = scene.materialsOrDefault
        var names = Set<String>()
        let materialNames = materials.map { USDAText.identifier($0.name, taken: &names) }
        var meshNames = Set<String>(["Materials", "Skeleton"])
        let meshes = scene.meshes.filter { $0.faceCount > 0 }.map {
            ($0, USDAText.identifier($0.name, taken: &meshNames))
        }
        let rigged = meshes.contains { $0.0.hasMorphTargets }
        var animation: [(name: String, weight: Float)] = []
        for (mesh, _) in meshes {
            for t in mesh.morphTargets where !animation.contains(where: { $0.name == t.name }) {
                animation.append((t.name, t.defaultWeight))
            }
        }
        var text = USDAText()
        text.line("#usda 1.0")
        text.line("(")
        text.line("    customLayerData = {")
        text.line("        string generator = \(USDAText.quoted(scene.metadata["generator"] ?? "facedetail"))")
        text.line("    }")
        text.line("    defaultPrim = \"Root\"")
        text.line("    metersPerUnit = 0.01")
        text.line("    upAxis = \"Y\"")
        text.line(")")
        text.line("")
        text.block("def \(rigged ? "SkelRoot" : "Xform") \"Root\"", metadata: ["kind = \"component\""]) { root in
            for (mesh, name) in meshes {
                Self.mesh(mesh, name: name, materialNames: materialNames, into: &root)
            }
            if rigged { Self.skeleton(animation, into: &root) }
            root.block("def Scope \"Materials\"") { scope in
                for (m, name) in zip(materials, materialNames) {
                    USDAMaterial(material: m, name: name).write(into: &scope)
                }
            }
        }
        try sink.write(text.bytes, to: fileName)
    }

    private static func mesh(
        _ mesh: Mesh, name: String, materialNames: [String], into text: inout USDAText
    ) {
        let used = Set(mesh.faceSizes.indices.map { Int(mesh.material(ofFace: $0)) }).sorted()
        let schemas = ["MaterialBindingAPI"] + (mesh.hasMorphTargets ? ["SkelBindingAPI"] : [])
        let header = "def Mesh \"\(name)\""
        let apiSchemas = "prepend apiSchemas = [\(schemas.map { "\"\($0)\"" }.joined(separator: ", "))]"
        let base = mesh.basePositions
        text.block(header, metadata: [apiSchemas]) { m in
            // Extent bounds the points as written and as posed at the default weights.
            if let (lo, hi) = Mesh(positions: mesh.positions + base).bounds {
                m.line("float3[] extent = [\(USDAText.tuple(lo)), \(USDAText.tuple(hi))]")
            }
            m.array("int[] faceVertexCounts", mesh.faceSizes) { $0.number(Int($1)) }
            m.array("int[] faceVertexIndices", mesh.faceVertexIndices) { $0.number(Int($1)) }
            if mesh.hasNormals {
                m.array("normal3f[] normals", mesh.normals, suffix: " (interpolation = \"vertex\")") { $0.tuple($1) }
            }
            m.array("point3f[] points", base) { $0.tuple($1) }
            if !mesh.colors.isEmpty {
                m.array("color3f[] primvars:displayColor", mesh.colors, suffix: " (interpolation = \"vertex\")") {
                    $0.tuple(SIMD3($1.x, $1.y, $1.z))
                }
            }
            if mesh.hasUVs {
                m.array("texCoord2f[] primvars:st", mesh.uvs, suffix: " (interpolation = \"faceVarying\")") {
                    $0.tuple($1)
                }
                m.array("int[] primvars:st:indices", mesh.faceUVIndices) { $0.number(Int($1)) }
            }
            var taken = Set<String>()
            let prims = mesh.morphTargets.map { USDAText.identifier($0.name, taken: &taken) }
            if mesh.hasMorphTargets {
                m.array("uniform token[] skel:blendShapes", mesh.morphTargets) { $0.raw(USDAText.quoted($1.name)) }
                m.array("rel skel:blendShapeTargets", prims) { $0.raw("<\($1)>") }
                m.line("rel skel:skeleton = </Root/Skeleton>")
            }
            m.line("uniform token subdivisionScheme = \"none\"")
            if used.count == 1 { m.line("rel material:binding = </Root/Materials/\(materialNames[used[0]])>") }
            if used.count > 1 { Self.subsets(mesh, used: used, materialNames: materialNames, into: &m) }
            for (target, prim) in zip(mesh.morphTargets, prims) {
                m.block("def BlendShape \"\(prim)\"") { b in
                    b.array("uniform vector3f[] offsets", target.positionDeltas) { $0.tuple($1) }
                    b.array("uniform int[] pointIndices", target.indices) { $0.number(Int($1)) }
                }
            }
        }
    }

    /// One GeomSubset per material for meshes with several, as UsdShade binds per-face materials.
    private static func subsets(_ mesh: Mesh, used: [Int], materialNames: [String], into text: inout USDAText) {
        text.line("uniform token subsetFamily:materialBind:familyType = \"partition\"")
        for material in used {
            let faces = mesh.faceSizes.indices.filter { Int(mesh.material(ofFace: $0)) == material }
            text.block(
                "def GeomSubset \"\(materialNames[material])_faces\"",
                metadata: ["prepend apiSchemas = [\"MaterialBindingAPI\"]"]
            ) { s in
                s.line("uniform token elementType = \"face\"")
                s.line("uniform token familyName = \"materialBind\"")
                s.array("int[] indices", faces) { $0.number($1) }
                s.line("rel material:binding = </Root/Materials/\(materialNames[material])>")
            }
        }
    }

    /// A skeleton without joints whose animation holds the morph targets' default weights.
    private static func skeleton(_ animation: [(name: String, weight: Float)], into text: inout USDAText) {
        text.block("def Skeleton \"Skeleton\"", metadata: ["prepend apiSchemas = [\"SkelBindingAPI\"]"]) { s in
            s.line("uniform matrix4d[] bindTransforms = []")
            s.line("uniform token[] joints = []")
            s.line("uniform matrix4d[] restTransforms = []")
            s.line("rel skel:animationSource = </Root/Skeleton/DefaultWeights>")
            s.block("def SkelAnimation \"DefaultWeights\"") { a in
                a.array("uniform token[] blendShapes", animation) { $0.raw(USDAText.quoted($1.name)) }
                a.array("float[] blendShapeWeights", animation) { $0.number($1.weight) }
                a.line("uniform token[] joints = []")
            }
        }
    }

}

extension FormatDescriptor {
    public static let usda = FormatDescriptor(
        id: "usda", summary: "USD text layer (centimetres: metersPerUnit 0.01, +Y up; UsdPreviewSurface)",
        kind: .mesh, extensions: ["usda"],
        capabilities: [
            .uvs, .normals, .vertexColors, .quads, .materials, .baseColorTexture, .normalTexture,
            .displacementTexture, .exrTextures, .unitInFile, .morphTargets,
        ],
        unitPolicy: .fixed(USDAWriter.unit), backend: "native (write only)",
        sniff: { $0.starts(with: Array("#usda".utf8)) }, meshWriter: USDAWriter())
}

/// One `Material` as a UsdPreviewSurface network (USDAWriter): constant inputs where the material
/// has no texture, `UsdUVTexture` readers where it has, all sampling `st`.
struct USDAMaterial {
    let material: Material
    /// The Material prim's name under /Root/Materials.
    let name: String

    private var path: String { "/Root/Materials/\(name)" }

    func write(into text: inout USDAText) {
        let m = material
        let hasTexture = m.baseColorTexture != nil || m.normalTexture != nil || m.displacementTexture != nil
        text.block("def Material \"\(name)\"") { mat in
            mat.line("token outputs:surface.connect = <\(path)/Surface.outputs:surface>")
            if m.displacementTexture != nil {
                mat.line("token outputs:displacement.connect = <\(path)/Surface.outputs:displacement>")
            }
            mat.block("def Shader \"Surface\"") { s in
                s.line("uniform token info:id = \"UsdPreviewSurface\"")
                if m.baseColorTexture != nil {
                    s.line("color3f inputs:diffuseColor.connect = <\(path)/BaseColor.outputs:rgb>")
                } else {
                    s.line(
                        "color3f inputs:diffuseColor = \(USDAText.tuple(SIMD3(m.baseColor.x, m.baseColor.y, m.baseColor.z)))"
                    )
                }
                if m.displacementTexture != nil {
                    s.line("float inputs:displacement.connect = <\(path)/Displacement.outputs:r>")
                }
                s.line("float inputs:metallic = 0")
                if m.normalTexture != nil { s.line("normal3f inputs:normal.connect = <\(path)/Normal.outputs:rgb>") }
                s.line("float inputs:opacity = \(USDAText.number(m.baseColor.w))")
                s.line("float inputs:roughness = \(USDAText.number(m.roughness ?? 0.5))")
                s.line("token outputs:displacement")
                s.line("token outputs:surface")
            }
            guard hasTexture else { return }
            mat.block("def Shader \"TexCoords\"") { s in
                s.line("uniform token info:id = \"UsdPrimvarReader_float2\"")
                s.line("string inputs:varname = \"st\"")
                s.line("float2 outputs:result")
            }
            if let file = m.baseColorTexture {
                texture(&mat, "BaseColor", file: file, colorSpace: "sRGB", output: "float3 outputs:rgb")
            }
            if let file = m.normalTexture {
                // Tangent-space normals stored n·0.5 + 0.5 (DESIGN.md), read back as 2·t − 1.
                texture(
                    &mat, "Normal", file: file, colorSpace: "raw", output: "float3 outputs:rgb",
                    scale: "(2, 2, 2, 1)", bias: "(-1, -1, -1, 0)")
            }
            if let file = m.displacementTexture {
                // Texel t is (t − midlevel) · scale centimetres along the normal (Material's convention).
                let s = m.displacementScale
                let n = { USDAText.number($0) }
                texture(
                    &mat, "Displacement", file: file, colorSpace: "raw", output: "float outputs:r",
                    scale: "(\(n(s)), \(n(s)), \(n(s)), 1)",
                    bias:
                        "(\(n(-m.displacementMidlevel * s)), \(n(-m.displacementMidlevel * s)), \(n(-m.displacementMidlevel * s)), 0)"
                )
            }
        }
    }

    private func texture(
        _ text: inout USDAText, _ shader: String, file: String, colorSpace: String, output: String,
        scale: String? = nil, bias: String? = nil
    ) {
        text.block("def Shader \"\(shader)\"") { s in
            s.line("uniform token info:id = \"UsdUVTexture\"")
            if let bias { s.line("float4 inputs:bias = \(bias)") }
            s.line("asset inputs:file = \(USDAText.assetPath(file))")
            if let scale { s.line("float4 inputs:scale = \(scale)") }
            s.line("token inputs:sourceColorSpace = \"\(colorSpace)\"")
            s.line("float2 inputs:st.connect = <\(path)/TexCoords.outputs:result>")
            s.line("token inputs:wrapS = \"repeat\"")
            s.line("token inputs:wrapT = \"repeat\"")
            s.line(output)
        }
    }
}

extension FormatRegistry {
    /// Every format facedetail knows, one line each. Order matters twice: a writer chosen by
    /// extension is the first listed for it, and readers are tried in this order.
    public static let standard = FormatRegistry([
        .fbx,
        .obj,
        .gltf2,
        .glb2,
        .usda,
        .collada,
        .plyBinary,
        .ply,
        .stlBinary,
        .stl,
        .threeMF,
        .assimpImport,
        .openEXR,
        .png,
        .jpeg,
        .ppm,
    ])
}

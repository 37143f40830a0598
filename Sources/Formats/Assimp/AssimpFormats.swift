/// Format descriptors backed by Assimp: its importer for reading, its exporter where sound.
extension FormatDescriptor {
    private static let reader = AssimpMeshReader()

    private static func assimp(
        _ id: String, _ summary: String, _ extensions: [String], exporter: String,
        capabilities: FormatCapabilities, unit: UnitPolicy, trianglesOnly: Bool,
        singleMesh: Bool = false, sniff: (@Sendable ([UInt8]) -> Bool)? = nil
    ) -> FormatDescriptor {
        FormatDescriptor(
            id: id, summary: summary, kind: .mesh, extensions: extensions, capabilities: capabilities,
            unitPolicy: unit, backend: AssimpBackend.versionLabel, sniff: sniff, meshReader: reader,
            meshWriter: AssimpMeshWriter(
                exporterID: exporter, unitPolicy: unit, trianglesOnly: trianglesOnly,
                keepsVertexColors: capabilities.contains(.vertexColors),
                singleMesh: singleMesh))
    }

    public static let collada = assimp(
        "collada", "COLLADA 1.4 XML (unit element: metres, Y_UP)", ["dae"],
        exporter: "collada",
        capabilities: [
            .uvs, .normals, .tangents, .vertexColors, .quads, .materials,
            .baseColorTexture, .normalTexture, .exrTextures, .unitInFile,
        ],
        unit: .fixed(.metre), trianglesOnly: false)
    /// No vertex colours: Assimp 5.2.5's binary PLY exporter declares them uchar but writes floats,
    /// which no reader can parse; the ASCII `ply` keeps them.
    public static let plyBinary = assimp(
        "plyb", "Stanford PLY, binary little-endian", ["ply"],
        exporter: "plyb",
        capabilities: [.uvs, .normals, .quads, .baseColorTexture, .exrTextures],
        unit: .unitless, trianglesOnly: false, singleMesh: true,
        sniff: { $0.starts(with: Array("ply".utf8)) && !isASCIIPLY($0) })
    public static let ply = assimp(
        "ply", "Stanford PLY, ASCII", ["ply"], exporter: "ply",
        capabilities: [.uvs, .normals, .vertexColors, .quads, .baseColorTexture, .exrTextures],
        unit: .unitless, trianglesOnly: false, singleMesh: true,
        sniff: { isASCIIPLY($0) })
    public static let stlBinary = assimp(
        "stlb", "STL, binary (geometry only)", ["stl"], exporter: "stlb",
        capabilities: [.normals], unit: .unitless, trianglesOnly: true)
    public static let stl = assimp(
        "stl", "STL, ASCII (geometry only)", ["stl"], exporter: "stl",
        capabilities: [.normals], unit: .unitless, trianglesOnly: true,
        sniff: { $0.starts(with: Array("solid".utf8)) })
    public static let threeMF = assimp(
        "3mf", "3D Manufacturing Format (geometry only)", ["3mf"], exporter: "3mf",
        capabilities: [], unit: .fixed(.millimetre), trianglesOnly: true,
        sniff: { $0.starts(with: [0x50, 0x4B, 0x03, 0x04]) })

    /// Every other format Assimp imports (3DS, LWO, X, …), read-only.
    public static let assimpImport = FormatDescriptor(
        id: "assimp", summary: "any other format Assimp imports (read only)", kind: .mesh,
        extensions: AssimpBackend.importExtensions, backend: AssimpBackend.versionLabel, meshReader: reader)

    private static func isASCIIPLY(_ head: [UInt8]) -> Bool {
        String(decoding: head, as: UTF8.self).contains("format ascii")
    }
}

import Foundation

/// Runs Tests/Scripts/usd_check.py with usd-core (PyPI `pxr`, installed by scripts/setup-system.sh)
/// and decodes its report: what USD itself sees of a file.
public enum USDCheck {
    public static let python = "/usr/bin/python3"

    public struct Compliance: Decodable {
        public let errors: [String]
        public let failed: [String]
        public let warnings: [String]
        /// Type checks of shader inputs usd-core cannot make: its wheels ship no shader definitions.
        public let unverifiable: [String]
    }
    public struct TextureReport: Decodable {
        public let shader: String
        public let file: String
        public let resolved: Bool
    }
    public struct MeshReport: Decodable {
        public let path: String
        public let points: Int
        public let faces: Int
        public let subdivisionScheme: String
        public let material: String?
        /// Materials bound to the mesh's per-face `materialBind` subsets.
        public let subsetMaterials: [String?]
        public let textures: [TextureReport]
        public let blendShapes: [String]?
        public let blendShapeTargetsFound: Int?
        /// Points as UsdSkel poses them with the skeleton animation's weights, in stage units.
        public let posed: [[Double]]?
    }
    public struct FileReport: Decodable {
        public let compliance: Compliance
        public let shaderDefinitions: Bool
        public let metersPerUnit: Double
        public let upAxis: String
        public let defaultPrim: String?
        public let meshes: [MeshReport]
    }

    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/usd_check.py")
    }

    /// Opens each file with usd-core; the report by path.
    public static func inspect(_ files: [URL]) throws -> [String: FileReport] {
        try Subprocess.report(python, { [script.path, $0] + files.map(\.path) }, as: [String: FileReport].self)
    }
}

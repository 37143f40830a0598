import Foundation

/// Runs Blender headless on Tests/Scripts/blender_import_check.py and decodes its report.
public enum Blender {
    public static let executable = ProcessInfo.processInfo.environment["FACEDETAIL_BLENDER"] ?? "/usr/bin/blender"
    /// Set FACEDETAIL_SKIP_BLENDER=1 on a machine without Blender; CI installs it and never skips.
    public static let skipped = ProcessInfo.processInfo.environment["FACEDETAIL_SKIP_BLENDER"] == "1"

    public struct ImageReport: Decodable {
        public let file: String
        public let loaded: Bool
    }
    public struct MaterialReport: Decodable {
        public let name: String
        public let baseColor: ImageReport?
        public let normal: ImageReport?
        /// The script's Python names.
        enum CodingKeys: String, CodingKey {
            case name
            case normal
            case baseColor = "base_color"
        }
    }
    public struct FileReport: Decodable {
        public let error: String?
        public let objects, vertices, polygons, triangles, uvLayers: Int?
        public let extent: [Double]?
        public let materials: [MaterialReport]?
        /// Shape key names (Blender's basis left out) and their imported values.
        public let shapeKeys: [String]?
        public let shapeKeyValues: [Double]?
        /// One entry per probe point (`inspect(_:probe:)`).
        public let probe: [ProbeReport]?
        enum CodingKeys: String, CodingKey {
            case error, objects, vertices, polygons, triangles, extent, materials, probe
            case uvLayers = "uv_layers"
            case shapeKeys = "shape_keys"
            case shapeKeyValues = "shape_key_values"
        }
    }

    /// Points to look up in Blender's evaluated shape keys: world coordinates in metres, Z up.
    public struct Probe: Encodable {
        public let points: [[Double]]
        public let key: String
        public init(points: [[Double]], key: String) {
            self.points = points
            self.key = key
        }
    }

    /// A probe point: its distance (m) to the nearest vertex at the default key values, and that
    /// vertex's movement (m) from every key at 0 to only the probe's key at 1.
    public struct ProbeReport: Decodable {
        public let distance: Double
        public let moved: [Double]
    }

    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/blender_import_check.py")
    }

    /// Imports each file in a fresh factory scene and returns Blender's view of it, by path.
    /// With `probe`, shape keys are evaluated at its points too.
    public static func inspect(_ files: [URL], probe: Probe? = nil) throws -> [String: FileReport] {
        let probeFile = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: probeFile) }
        var arguments = ["-b", "--factory-startup", "--python-exit-code", "3", "--python", script.path, "--"]
        if let probe {
            try JSONEncoder().encode(probe).write(to: probeFile)
            arguments += ["--probe", probeFile.path]
        }
        return try Subprocess.report(
            executable, { arguments + [$0] + files.map(\.path) }, as: [String: FileReport].self)
    }
}

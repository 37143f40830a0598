import CAssimpBridge
import Foundation

/// Swift face of the C++ bridge: imports in an isolated child process, exports in memory.
enum AssimpBackend {
    /// "Assimp 5.2.4" (Debian's 5.2.5 reports itself so).
    static let versionLabel: String = {
        var buffer = [CChar](repeating: 0, count: 32)
        fd_assimp_version(&buffer, buffer.count)
        return "Assimp " + String(nullTerminated: buffer)
    }()

    /// Lower-case extensions Assimp imports, without dots.
    static let importExtensions: [String] = {
        var buffer = [CChar](repeating: 0, count: 8192)
        fd_assimp_import_extensions(&buffer, buffer.count)
        let list = String(nullTerminated: buffer)
        return list.split(separator: ";").map { $0.replacingOccurrences(of: "*.", with: "").lowercased() }
            .filter { !$0.isEmpty }.sorted()
    }()

    /// CPU-seconds an import may use before it is taken as hung (the child also has a wall-clock
    /// backstop, `fd_isolation`'s): Assimp loops forever on some truncated files. The corpus's
    /// largest model imports in under 2 s; `FACEDETAIL_IMPORT_TIMEOUT` overrides it for
    /// unusually large inputs.
    static var importCPUSeconds: Double {
        ProcessInfo.processInfo.environment["FACEDETAIL_IMPORT_TIMEOUT"].flatMap(Double.init) ?? 60
    }

    /// `keepingMorphTargets: false` drops the anim meshes Assimp read (they would be wrong).
    static func importScene(at url: URL, keepingMorphTargets: Bool = true) throws -> SceneBuffer.Decoded {
        var out = fd_buffer(data: nil, size: 0)
        var error = [CChar](repeating: 0, count: 1024)
        let status = fd_assimp_import(url.path, importCPUSeconds, &out, &error, error.count)
        defer { fd_buffer_free(&out) }
        guard status == 0 else {
            throw FormatError(.malformed, path: url.path, "cannot be read", reason: String(nullTerminated: error))
        }
        let bytes = [UInt8](UnsafeBufferPointer(start: out.data, count: out.size))
        do {
            return try SceneBuffer.decode(bytes, keepingMorphTargets: keepingMorphTargets)
        } catch let error as FormatError {
            throw error.at(url.path)
        }
    }

    /// Exporters that write straight to the file system instead of through Assimp's IOSystem.
    static let bypassesIOSystem: Set<String> = ["3mf"]

    /// Runs the exporter into a private temporary folder and returns what it wrote there.
    private static func exportThroughDisk(_ scene: [UInt8], formatID: String, fileName: String) throws -> [(
        name: String, bytes: [UInt8]
    )] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facedetail-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var error = [CChar](repeating: 0, count: 1024)
        let status = scene.withUnsafeBufferPointer {
            fd_assimp_export_to_disk(
                $0.baseAddress, $0.count, formatID, folder.appendingPathComponent(fileName).path, &error, error.count)
        }
        guard status == 0 else {
            throw FormatError(
                .writeFailed, path: fileName, "Assimp's '\(formatID)' exporter failed",
                reason: String(nullTerminated: error))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { name in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                throw FormatError(.writeFailed, path: name, "cannot read back what Assimp wrote")
            }
            return (name, [UInt8](data))
        }
    }

    /// Runs exporter `formatID` and returns every file it wrote, by name, main file included.
    static func export(_ asset: Asset, formatID: String, fileName: String) throws -> [(name: String, bytes: [UInt8])] {
        let scene = SceneBuffer.encode(asset)
        if bypassesIOSystem.contains(formatID) {
            return try exportThroughDisk(scene, formatID: formatID, fileName: fileName)
        }
        var out = fd_buffer(data: nil, size: 0)
        var error = [CChar](repeating: 0, count: 1024)
        let status = scene.withUnsafeBufferPointer {
            fd_assimp_export($0.baseAddress, $0.count, formatID, fileName, &out, &error, error.count)
        }
        defer { fd_buffer_free(&out) }
        guard status == 0 else {
            throw FormatError(
                .writeFailed, path: fileName, "Assimp's '\(formatID)' exporter failed",
                reason: String(nullTerminated: error))
        }
        var r = ByteReader([UInt8](UnsafeBufferPointer(start: out.data, count: out.size)), what: "exported file list")
        return try (0..<Int(r.read(UInt32.self))).map { _ in
            let name = try r.readString()
            let size = Int(try r.read(UInt64.self))
            return (name, Array(try r.readBytes(size)))
        }
    }
}

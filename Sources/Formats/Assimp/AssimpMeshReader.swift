import Foundation

/// Reads any mesh format Assimp imports, in an isolated child process (see the C bridge).
///
/// Returns the file's own unit where the format or file states one (glTF: metres; Collada: metres,
/// as Assimp applies `<unit>`; FBX: centimetres × `UnitScaleFactor`) and nil otherwise. FBX files
/// are turned to +Y up from their axis settings; textures embedded in the file come back in
/// `Asset.embeddedFiles` under "<stem>_embedded<N>.<ext>". Morph targets come back where Assimp
/// reads them: glTF with names and default weights (not quantized ones: Assimp reads them wrong,
/// so those files come back at their base shape), FBX blend shapes without their weights.
struct AssimpMeshReader: MeshReader {
    func readMesh(at url: URL) throws -> Asset {
        try Self.preflight(url)
        let ext = url.pathExtension.lowercased()
        let scene = try AssimpBackend.importScene(at: url, keepingMorphTargets: !Self.hasQuantizedTargets(url))
        var asset = Asset(meshes: scene.meshes, materials: scene.materials, unit: unit(of: ext, scene.metadata))
        if ext == "fbx" {
            // Assimp 5.2.5 gives an FBX blend shape channel's DeformPercent only for in-between
            // shapes (weight 1 otherwise): the targets are kept, their default weights are not.
            asset.meshes = asset.meshes.map { mesh in
                var m = mesh
                m.positions = mesh.basePositions
                for t in m.morphTargets.indices { m.morphTargets[t].defaultWeight = 0 }
                return m
            }
            if let rows = FBXAxes(metadata: scene.metadata)?.toYUpRows {
                asset.meshes = asset.meshes.map { $0.transformed(rows: rows) }
            }
        }
        let stem = url.deletingPathExtension().lastPathComponent
        for (index, texture) in scene.embedded.enumerated() {
            let hint = texture.hint.isEmpty ? "bin" : texture.hint.lowercased()
            let name = "\(stem)_embedded\(index).\(hint == "jpeg" ? "jpg" : hint)"
            asset.embeddedFiles[name] = texture.bytes
            for m in asset.materials.indices {
                for (slot, path) in asset.materials[m].textures
                where path == texture.reference || (!texture.fileName.isEmpty && path == texture.fileName) {
                    asset.materials[m][texture: slot] = name
                }
            }
        }
        guard asset.triangleCount > 0 else {
            throw FormatError(
                .malformed, path: url.path, "holds no polygons", reason: "only points, lines or an empty scene")
        }
        do {
            try asset.validate()
        } catch let error as FormatError {
            throw error.at(url.path)
        }
        return asset
    }

    /// Whether a glTF file declares KHR_mesh_quantization: Assimp 5.2.5 reads its integer morph
    /// offsets as floats (garbage), so such targets are dropped and the base shape is read.
    static func hasQuantizedTargets(_ url: URL) -> Bool {
        let ext = url.pathExtension.lowercased()
        guard ext == "glb" || ext == "gltf", let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        var json: Data
        if ext == "glb" {
            // Header (12 bytes), then the JSON chunk's length and type.
            guard let head = try? handle.read(upToCount: 20), head.count == 20 else { return false }
            let length = head[12..<16].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            json = (try? handle.read(upToCount: min(length, 64 << 20))) ?? Data()
        } else {
            json = (try? handle.read(upToCount: 64 << 20)) ?? Data()
        }
        return json.range(of: Data(GLTFQuantization.extensionName.utf8)) != nil
    }

    private func unit(of ext: String, _ metadata: [String: String]) -> LengthUnit? {
        guard ext == "fbx" else { return Self.unit(ofExtension: ext) }
        let factor = metadata["UnitScaleFactor"].flatMap(Double.init) ?? 1
        return factor == 1 ? .centimetre : LengthUnit(metresPerUnit: 0.01 * factor, symbol: "\(factor)cm")
    }

    /// The unit a file of this extension states without looking inside it (FBX states its own in
    /// its header; nil for unitless formats and FBX).
    static func unit(ofExtension ext: String) -> LengthUnit? {
        switch ext {
        case "gltf", "glb", "dae", "zae": return .metre
        case "3mf": return .millimetre  // the 3MF default; Assimp 5.2.5 does not read the unit attribute
        default: return nil
        }
    }

    /// The checks made before Assimp sees a file: not empty, PLY and STL sizes consistent with
    /// their headers (Assimp aborts or loops on some inconsistent ones), OBJ numbers of a sane length.
    static func preflight(_ url: URL) throws {
        let size = try fileSize(url)
        guard size > 0 else { throw FormatError(.malformed, path: url.path, "is empty") }
        let ext = url.pathExtension.lowercased()
        if ext == "ply" { try PLYHeaderCheck.check(url, size: size) }
        if ext == "stl" { try STLSizeCheck.check(url, size: size) }
        if ext == "obj" { try OBJCoordinateCheck.check(url) }
    }

    private static func fileSize(_ url: URL) throws -> Int {
        _ = try FileContents.prefix(0, of: url)
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// FBX's GlobalSettings axis system, as Assimp reports it in scene metadata.
struct FBXAxes {
    var up: Int, upSign: Float, front: Int, frontSign: Float, coord: Int, coordSign: Float

    init?(metadata: [String: String]) {
        func int(_ key: String) -> Int? { metadata[key].flatMap { Int($0) } }
        guard let up = int("UpAxis"), let front = int("FrontAxis"), let coord = int("CoordAxis"),
            Set([up, front, coord]) == [0, 1, 2]
        else { return nil }
        self.up = up
        self.front = front
        self.coord = coord
        upSign = Float(int("UpAxisSign") ?? 1)
        frontSign = Float(int("FrontAxisSign") ?? 1)
        coordSign = Float(int("CoordAxisSign") ?? 1)
    }

    /// Rows of the matrix taking file coordinates to ours (X = coord, Y = up, Z = front); nil when
    /// the file is already +Y up, +Z front, +X right.
    var toYUpRows: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)? {
        func row(_ axis: Int, _ sign: Float) -> SIMD3<Float> {
            var r = SIMD3<Float>.zero
            r[axis] = sign
            return r
        }
        let rows = (row(coord, coordSign), row(up, upSign), row(front, frontSign))
        if rows.0 == SIMD3(1, 0, 0) && rows.1 == SIMD3(0, 1, 0) && rows.2 == SIMD3(0, 0, 1) { return nil }
        return rows
    }
}

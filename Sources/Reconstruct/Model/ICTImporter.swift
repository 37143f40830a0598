import Errors
import Formats
import Foundation

/// Imports ICT-FaceKit's FaceXModel folder (USC ICT, MIT licence) into a `ModelContents`:
/// generic_neutral_mesh.obj is the mean; identity000…identity099.obj minus the mean are the identity
/// modes (ICT samples their coefficients from N(0, 1), so the modes already carry their standard
/// deviations); the 53 expression meshes named in vertex_indices.json minus the mean are the
/// blendshapes; vertex_indices.json's `idx_to_landmark_verts` are the 68 Multi-PIE landmarks.
/// ICT works in centimetres; everything is scaled to millimetres. Axes already match DESIGN.md.
public struct ICTImporter: Sendable {
    /// Which prefix of ICT's topology to keep (its parts are contiguous in vertex and polygon order).
    public enum Region: String, CaseIterable, Sendable, Codable {
        /// The skin of the face: 9,409 vertices, 9,230 polygons.
        case face
        /// Face plus the back of the head and the neck: 11,248 vertices, 11,144 polygons.
        case head
        /// Everything: mouth and eye sockets, gums, tongue, teeth, eyeballs, eye blend and occlusion
        /// shells, eyelashes: 26,719 vertices, 26,384 polygons.
        case full
    }

    /// ICT-FaceKit's documented part table (README "Face Model Topology"): name, vertex count,
    /// polygon count, in file order.
    static let parts: [(name: String, vertices: Int, polygons: Int)] = [
        ("face", 9409, 9230), ("head and neck", 1839, 1914), ("mouth socket", 2046, 2082),
        ("eye socket left", 384, 404), ("eye socket right", 384, 404), ("gums and tongue", 2977, 2972),
        ("teeth", 4412, 4490), ("eyeball left", 1570, 1598), ("eyeball right", 1570, 1598),
        ("lacrimal fluid left", 204, 163), ("lacrimal fluid right", 204, 163), ("eye blend left", 24, 15),
        ("eye blend right", 24, 15), ("eye occlusion left", 152, 128), ("eye occlusion right", 152, 128),
        ("eyelashes left", 684, 540), ("eyelashes right", 684, 540),
    ]
    static let identityCount = 100
    static let centimetresToMillimetres: Float = 10

    public var folder: URL
    public var region: Region

    public init(folder: URL, region: Region) {
        self.folder = folder
        self.region = region
    }

    func importContents(progress: (String) -> Void = { _ in }) throws -> ModelContents {
        let indexURL = folder.appendingPathComponent("vertex_indices.json")
        let index = try readIndex(indexURL)
        progress("reading generic_neutral_mesh.obj")
        let neutralURL = folder.appendingPathComponent("generic_neutral_mesh.obj")
        var neutral = try OBJScanner.geometry(of: neutralURL)
        let allVertices = Self.parts.reduce(0) { $0 + $1.vertices }
        let allPolygons = Self.parts.reduce(0) { $0 + $1.polygons }
        guard neutral.positions.count == 3 * allVertices, neutral.polygonSizes.count == allPolygons else {
            throw ReconstructError(
                .missingData, path: neutralURL.path, "does not have ICT-FaceKit's topology",
                reason:
                    "\(neutral.positions.count / 3) vertices and \(neutral.polygonSizes.count) polygons, expected \(allVertices) and \(allPolygons)"
            )
        }
        let keptParts = region == .face ? 1 : region == .head ? 2 : Self.parts.count
        let v = Self.parts.prefix(keptParts).reduce(0) { $0 + $1.vertices }
        let p = Self.parts.prefix(keptParts).reduce(0) { $0 + $1.polygons }
        let corners = neutral.polygonSizes.prefix(p).reduce(0) { $0 + Int($1) }
        guard neutral.polygonVertices.prefix(corners).allSatisfy({ Int($0) < v }) else {
            throw ReconstructError(
                .missingData, path: neutralURL.path,
                "has \(region.rawValue) polygons that use vertices outside the region")
        }
        guard index.landmarks.count == 68, index.landmarks.allSatisfy({ $0 >= 0 && $0 < v }) else {
            throw ReconstructError(
                .missingData, path: indexURL.path,
                "does not list 68 landmark vertices inside the \(region.rawValue) region")
        }

        // Cut the topology to the region; keep UVs and materials that its polygons use, in order.
        var uvMap = [Int32](repeating: -1, count: neutral.uvs.count / 2)
        var uvs: [Float] = []
        var uvIndices: [UInt32] = []
        for t in neutral.polygonUVIndices.prefix(corners) {
            if uvMap[Int(t)] < 0 {
                uvMap[Int(t)] = Int32(uvs.count / 2)
                uvs += [neutral.uvs[2 * Int(t)], neutral.uvs[2 * Int(t) + 1]]
            }
            uvIndices.append(UInt32(uvMap[Int(t)]))
        }
        var materialMap: [UInt32: UInt32] = [:]
        var materialNames: [String] = []
        let polygonMaterials: [UInt32] = neutral.polygonMaterials.prefix(p).map { m in
            if let k = materialMap[m] { return k }
            let k = UInt32(materialNames.count)
            materialMap[m] = k
            materialNames.append(neutral.materialNames[Int(m)])
            return k
        }
        var regions: [ModelRegion] = []
        var vertexRegions: [UInt8] = []
        var (firstVertex, firstPolygon) = (0, 0)
        for (id, part) in Self.parts.prefix(keptParts).enumerated() {
            regions.append(
                ModelRegion(
                    name: part.name, firstVertex: firstVertex, vertexCount: part.vertices,
                    firstPolygon: firstPolygon, polygonCount: part.polygons))
            vertexRegions += [UInt8](repeating: UInt8(id), count: part.vertices)
            firstVertex += part.vertices
            firstPolygon += part.polygons
        }

        let scale = Self.centimetresToMillimetres
        neutral.positions = Array(neutral.positions.prefix(3 * v))
        let mean = neutral.positions.map { $0 * scale }
        func deltas(_ names: [String], what: String) throws -> [Float] {
            var out = [Float](repeating: 0, count: names.count * 3 * v)
            let results = ConcurrentResults<[Float]>(count: names.count)
            DispatchQueue.concurrentPerform(iterations: names.count) { k in
                let url = folder.appendingPathComponent("\(names[k]).obj")
                results.set(k, Result { try OBJScanner.positions(of: url, expected: allVertices) })
            }
            for k in 0..<names.count {
                let positions = try results.get(k)
                let base = k * 3 * v
                for i in 0..<(3 * v) { out[base + i] = (positions[i] - neutral.positions[i]) * scale }
            }
            progress("read \(names.count) \(what) meshes")
            return out
        }
        let identityNames = (0..<Self.identityCount).map { String(format: "identity%03d", $0) }
        let identity = try deltas(identityNames, what: "identity")
        let expression = try deltas(index.expressions, what: "expression")

        let topology = FaceTopology(
            positions: mean, polygonSizes: Array(neutral.polygonSizes.prefix(p)),
            polygonVertices: Array(neutral.polygonVertices.prefix(corners)), faceVertexCount: Self.parts[0].vertices)
        let contour = ContourCandidates.derive(topology: topology, landmarks: index.landmarks)
        let info = ModelInfo(
            source: "ICT-FaceKit FaceXModel", license: "MIT (USC Institute for Creative Technologies)",
            region: region.rawValue, units: "mm", vertexCount: v, polygonCount: p, uvCount: uvs.count / 2,
            identityCount: Self.identityCount, expressionNames: index.expressions, regions: regions,
            materials: materialNames, contourMethod: ContourCandidates.method)
        return ModelContents(
            info: info, mean: mean, identity: identity, expression: expression,
            polygonSizes: topology.polygonSizes, polygonVertices: topology.polygonVertices, polygonUVIndices: uvIndices,
            uvs: uvs, vertexRegions: vertexRegions, polygonMaterials: polygonMaterials,
            landmarkVertices: index.landmarks.map { UInt32($0) },
            contourRight: contour.right.map { UInt32($0) }, contourLeft: contour.left.map { UInt32($0) })
    }

    /// Imports and writes the model file; returns what it holds.
    public func write(to url: URL, progress: (String) -> Void = { _ in }) throws -> ModelInfo {
        let contents = try importContents(progress: progress)
        let bytes = try ModelFile.encode(contents)
        // Staged beside the target and renamed (DirectorySink), so a failed or interrupted import
        // leaves any previous model intact.
        do {
            try DirectorySink(directory: url.deletingLastPathComponent()).committing { sink in
                try sink.write(bytes, to: url.lastPathComponent)
            }
        } catch {
            throw ReconstructError(.missingData, path: url.path, "cannot write the model file", cause: error)
        }
        return contents.info
    }

    private struct Index: Decodable {
        let expressions: [String]
        let landmarks: [Int]
        enum CodingKeys: String, CodingKey {
            case expressions
            case landmarks = "idx_to_landmark_verts"
        }
    }

    private func readIndex(_ url: URL) throws -> Index {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw ReconstructError(
                .missingData, path: folder.path, "is not a folder",
                reason: "expected ICT-FaceKit's FaceXModel folder (unpack ../shared/models/ICT-FaceKit.tar.xz)")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReconstructError(
                .missingData, path: url.path, "not found", reason: "expected in ICT-FaceKit's FaceXModel folder")
        }
        do {
            return try JSONDecoder().decode(Index.self, from: data)
        } catch {
            throw ReconstructError(
                .missingData, path: url.path, "is not ICT-FaceKit's vertex index file", reason: "\(error)")
        }
    }
}

/// Results written from `concurrentPerform` workers, one slot each.
final class ConcurrentResults<T>: @unchecked Sendable {
    private var slots: [Result<T, any Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, any Error>) {
        lock.lock()
        slots[i] = r
        lock.unlock()
    }
    func get(_ i: Int) throws -> T { try slots[i]!.get() }
}

import Formats
import Foundation

/// Subdivision surfaces for the detailed mesh (DESIGN.md §1, "Subdivider"): Catmull–Clark for
/// meshes with quads (triangles in them are handled as Catmull–Clark handles any polygon; every
/// child face is a quad) and Loop for all-triangle meshes, one level at a time.
///
/// - Boundaries (an edge with one face) follow the cubic B-spline curve rules, so open meshes
///   like the face keep their outline: boundary edge points are midpoints, boundary vertices
///   1/8 · (a + b) + 3/4 · v. Corners (the outline turning by more than 45°) and vertices with
///   other than two boundary edges stay where they are. Non-manifold edges (three faces or more)
///   count as boundaries.
/// - UVs are face-varying and interpolated linearly (OpenSubdiv's "linear all" rule): an edge's
///   new UV is the midpoint of its two corner UVs and a face's the centroid, keyed by UV indices,
///   so seams stay seams and the texture does not swim.
/// - Materials pass to every child face; normals are recomputed (area-weighted); tangents and
///   vertex colours are dropped (they no longer match the new vertices).
/// - Each step is a linear map (`SubdivisionStencil`); morph targets are refined with the positions
///   by the same weights, so a subdivided blendshape is the blendshape of the subdivided mesh.
///
/// New vertices are ordered: moved old vertices, then edge points (edges numbered in order of
/// first appearance), then face points — so the output is deterministic.
public enum Subdivision {
    /// `mesh` subdivided `levels` times.
    public static func subdivided(_ mesh: Mesh, levels: Int) -> Mesh {
        var out = mesh
        for _ in 0..<levels { out = out.faceSizes.allSatisfy { $0 == 3 } ? loop(out) : catmullClark(out) }
        return levels > 0 ? out.withGeneratedNormals() : out
    }

    /// One Catmull–Clark step.
    public static func catmullClark(_ mesh: Mesh) -> Mesh {
        let topology = EdgeTopology(mesh)
        let offsets = mesh.faceOffsets
        let (positions, targets) = refined(mesh, .catmullClark, topology)
        let (v, e) = (UInt32(mesh.positions.count), UInt32(topology.edges.count))
        var sizes: [UInt8] = []
        var corners: [UInt32] = []
        var materials: [UInt32] = []
        let uv = UVRefinement(mesh)
        var uvCorners: [UInt32] = []
        sizes.reserveCapacity(mesh.cornerCount)
        corners.reserveCapacity(4 * mesh.cornerCount)
        if mesh.hasUVs { uvCorners.reserveCapacity(4 * mesh.cornerCount) }
        for f in mesh.faceSizes.indices {
            let n = Int(mesh.faceSizes[f])
            for i in 0..<n {
                let previous = (i + n - 1) % n
                sizes.append(4)
                corners.append(mesh.faceVertexIndices[offsets[f] + i])
                corners.append(v + UInt32(topology.faceEdges[offsets[f] + i]))
                corners.append(v + e + UInt32(f))
                corners.append(v + UInt32(topology.faceEdges[offsets[f] + previous]))
                if mesh.hasUVs {
                    uvCorners.append(mesh.faceUVIndices[offsets[f] + i])
                    uvCorners.append(uv.edge(face: f, corner: i))
                    uvCorners.append(uv.face(f))
                    uvCorners.append(uv.edge(face: f, corner: previous))
                }
                if !mesh.faceMaterials.isEmpty { materials.append(mesh.faceMaterials[f]) }
            }
        }
        return Mesh(
            name: mesh.name, positions: positions, uvs: uv.uvs, faceSizes: sizes,
            faceVertexIndices: corners, faceUVIndices: uvCorners, faceMaterials: materials, morphTargets: targets)
    }

    /// One Loop step (all faces triangles).
    public static func loop(_ mesh: Mesh) -> Mesh {
        precondition(mesh.faceSizes.allSatisfy { $0 == 3 }, "Loop subdivision needs triangles")
        let topology = EdgeTopology(mesh)
        let (positions, targets) = refined(mesh, .loop, topology)
        let v = UInt32(mesh.positions.count)
        let uv = UVRefinement(mesh)
        var corners: [UInt32] = []
        var uvCorners: [UInt32] = []
        var materials: [UInt32] = []
        for f in mesh.faceSizes.indices {
            let c = (0..<3).map { mesh.faceVertexIndices[3 * f + $0] }
            let m = (0..<3).map { v + UInt32(topology.faceEdges[3 * f + $0]) }  // m[i] is on edge i → i+1
            corners += [c[0], m[0], m[2], c[1], m[1], m[0], c[2], m[2], m[1], m[0], m[1], m[2]]
            if mesh.hasUVs {
                let t = (0..<3).map { mesh.faceUVIndices[3 * f + $0] }
                let s = (0..<3).map { uv.edge(face: f, corner: $0) }
                uvCorners += [t[0], s[0], s[2], t[1], s[1], s[0], t[2], s[2], s[1], s[0], s[1], s[2]]
            }
            if !mesh.faceMaterials.isEmpty { materials += Array(repeating: mesh.faceMaterials[f], count: 4) }
        }
        return Mesh(
            name: mesh.name, positions: positions, uvs: uv.uvs,
            faceSizes: Array(repeating: 3, count: 4 * mesh.faceCount), faceVertexIndices: corners,
            faceUVIndices: uvCorners, faceMaterials: materials, morphTargets: targets)
    }

    enum Scheme { case catmullClark, loop }

    /// One step's new positions and morph targets: each row summed at once without targets, else
    /// through a stored stencil that refines every target too (the targets over both cores).
    static func refined(
        _ mesh: Mesh, _ scheme: Scheme, _ topology: EdgeTopology
    ) -> (positions: [SIMD3<Float>], targets: [MorphTarget]) {
        func emit<Rows: SubdivisionRows>(into rows: inout Rows) {
            switch scheme {
            case .catmullClark: rows.addCatmullClark(mesh, topology: topology)
            case .loop: rows.addLoop(mesh, topology: topology)
            }
        }
        guard mesh.hasMorphTargets else {
            var sums = PointSums(mesh.positions)
            emit(into: &sums)
            return (sums.result, [])
        }
        var rows = SubdivisionStencil()
        emit(into: &rows)
        let stencil = rows
        let targets = mesh.morphTargets
        let oldCount = mesh.positions.count
        let results = Results<MorphTarget>(count: targets.count)
        DispatchQueue.concurrentPerform(iterations: targets.count) { t in
            results.store(stencil.apply(targets[t], oldCount: oldCount), at: t)
        }
        return (stencil.apply(mesh.positions), results.values.map { $0! })
    }
}

/// One slot per task of a `concurrentPerform`; each task writes only its own slot.
private final class Results<Value>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Value?>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    deinit {
        slots.baseAddress!.deinitialize(count: slots.count)
        slots.deallocate()
    }
    func store(_ value: Value, at index: Int) { slots[index] = value }
    var values: [Value?] { Array(slots) }
}

/// Edges of a polygon mesh and what touches them, in order of first appearance.
struct EdgeTopology {
    /// Vertex pairs (smaller index first).
    var edges: [(Int, Int)] = []
    /// Faces on each edge.
    var edgeFaces: [[Int]] = []
    /// For each corner, the edge from it to the next corner of its face.
    var faceEdges: [Int] = []
    var vertexEdges: [[Int]]
    var vertexFaces: [[Int]]

    init(_ mesh: Mesh) {
        vertexEdges = Array(repeating: [], count: mesh.positions.count)
        vertexFaces = Array(repeating: [], count: mesh.positions.count)
        var index: [UInt64: Int] = [:]
        index.reserveCapacity(mesh.cornerCount)
        let offsets = mesh.faceOffsets
        faceEdges.reserveCapacity(mesh.cornerCount)
        for f in mesh.faceSizes.indices {
            let n = Int(mesh.faceSizes[f])
            for i in 0..<n {
                let a = Int(mesh.faceVertexIndices[offsets[f] + i])
                let b = Int(mesh.faceVertexIndices[offsets[f] + (i + 1) % n])
                let key = UInt64(min(a, b)) << 32 | UInt64(max(a, b))
                let e: Int
                if let known = index[key] {
                    e = known
                } else {
                    e = edges.count
                    index[key] = e
                    edges.append((min(a, b), max(a, b)))
                    edgeFaces.append([])
                    vertexEdges[a].append(e)
                    vertexEdges[b].append(e)
                }
                edgeFaces[e].append(f)
                faceEdges.append(e)
                vertexFaces[a].append(f)
            }
        }
    }

    /// The boundary rule for vertex v, or nil when v is interior: the cubic B-spline curve rule
    /// along its two boundary edges; "stay" for corners — where the outline turns by more than 45°,
    /// so a mask's corners stay sharp — and for non-manifold vertices.
    func boundaryRule(_ v: Int, positions p: [SIMD3<Double>]) -> [(Int, Double)]? {
        let boundary = vertexEdges[v].filter { edgeFaces[$0].count != 2 }
        guard !boundary.isEmpty else { return nil }
        guard boundary.count == 2 else { return [(v, 1)] }
        let ends = boundary.map { edges[$0].0 == v ? edges[$0].1 : edges[$0].0 }
        let incoming = p[v] - p[ends[0]]
        let outgoing = p[ends[1]] - p[v]
        let lengths = ((incoming * incoming).sum() * (outgoing * outgoing).sum()).squareRoot()
        guard lengths > 0, (incoming * outgoing).sum() >= 0.7071 * lengths else { return [(v, 1)] }
        return [(ends[0], 0.125), (ends[1], 0.125), (v, 0.75)]
    }
}

/// New face-varying UVs of one subdivision step: old UVs first, then one per distinct UV edge
/// (pair of UV indices), then one per face centroid.
struct UVRefinement {
    private(set) var uvs: [SIMD2<Float>]
    private var edgeIndex: [UInt64: UInt32] = [:]
    private var cornerEdges: [UInt32] = []
    private var faceIndex: [UInt32] = []

    init(_ mesh: Mesh) {
        // UVs without per-corner indices mean nothing to subdivide; drop them rather than keep a
        // list no corner refers to.
        uvs = mesh.hasUVs ? mesh.uvs : []
        guard mesh.hasUVs else { return }
        let offsets = mesh.faceOffsets
        for f in mesh.faceSizes.indices {
            let n = Int(mesh.faceSizes[f])
            for i in 0..<n {
                let a = mesh.faceUVIndices[offsets[f] + i]
                let b = mesh.faceUVIndices[offsets[f] + (i + 1) % n]
                let key = UInt64(min(a, b)) << 32 | UInt64(max(a, b))
                if let known = edgeIndex[key] {
                    cornerEdges.append(known)
                } else {
                    let new = UInt32(uvs.count)
                    edgeIndex[key] = new
                    uvs.append((mesh.uvs[Int(a)] + mesh.uvs[Int(b)]) / 2)
                    cornerEdges.append(new)
                }
            }
        }
        for f in mesh.faceSizes.indices {
            let corners = offsets[f]..<offsets[f + 1]
            faceIndex.append(UInt32(uvs.count))
            uvs.append(corners.map { mesh.uvs[Int(mesh.faceUVIndices[$0])] }.reduce(.zero, +) / Float(corners.count))
        }
        offsetsCache = offsets
    }

    private var offsetsCache: [Int] = []

    /// The UV index of the edge from corner `corner` of face `f` to the next corner.
    func edge(face f: Int, corner: Int) -> UInt32 { cornerEdges[offsetsCache[f] + corner] }
    func face(_ f: Int) -> UInt32 { faceIndex[f] }
}

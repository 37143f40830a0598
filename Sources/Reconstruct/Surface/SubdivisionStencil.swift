import Formats
import Foundation

/// One subdivision step as a linear map: every new point is a fixed weighted sum of old points
/// (Catmull–Clark and Loop are linear once the mesh's topology, and its corners, are fixed).
/// Built once from the mesh, it refines the positions and, with the same weights, every morph
/// target's offsets, so a blendshape subdivided with the mesh is the subdivided blendshape.
///
/// Rows are stored compressed (CSR): row r's old points are `columns[starts[r]..<starts[r + 1]]`.
/// A mesh without morph targets does not need them stored: `PointSums` takes the same rows and
/// sums each into its new point at once (a stored level-2 stencil is ~30 MB of fresh pages).
struct SubdivisionStencil: SubdivisionRows {
    private(set) var starts: [Int] = [0]
    private(set) var columns: [Int] = []
    private(set) var weights: [Double] = []

    var rowCount: Int { starts.count - 1 }

    /// Adds a term to the row being built; a point may appear more than once in a row.
    mutating func add(_ column: Int, _ weight: Double) {
        columns.append(column)
        weights.append(weight)
    }

    /// Closes the row being built.
    mutating func endRow() { starts.append(columns.count) }

    /// New points from old ones (summed in double precision).
    func apply(_ points: [SIMD3<Float>]) -> [SIMD3<Float>] {
        (0..<rowCount).map { r in
            var sum = SIMD3<Double>.zero
            for k in starts[r]..<starts[r + 1] { sum += weights[k] * SIMD3<Double>(points[columns[k]]) }
            return SIMD3<Float>(sum)
        }
    }

    /// A morph target refined with the mesh: offsets of the new points, kept where not zero.
    /// Only rows that read a moved point are summed.
    func apply(_ target: MorphTarget, oldCount: Int) -> MorphTarget {
        let dense = target.denseDeltas(count: oldCount)
        var moves = [Bool](repeating: false, count: oldCount)
        for v in target.indices { moves[Int(v)] = true }
        var out = MorphTarget(name: target.name, indices: [], positionDeltas: [], defaultWeight: target.defaultWeight)
        for r in 0..<rowCount where (starts[r]..<starts[r + 1]).contains(where: { moves[columns[$0]] }) {
            var sum = SIMD3<Double>.zero
            for k in starts[r]..<starts[r + 1] { sum += weights[k] * SIMD3<Double>(dense[columns[k]]) }
            let delta = SIMD3<Float>(sum)
            guard delta != .zero else { continue }
            out.indices.append(UInt32(r))
            out.positionDeltas.append(delta)
        }
        return out
    }
}

/// Where a subdivision step's rows go: a stored `SubdivisionStencil`, or `PointSums`.
protocol SubdivisionRows {
    /// Adds a term to the row being built; a point may appear more than once in a row.
    mutating func add(_ column: Int, _ weight: Double)
    /// Closes the row being built.
    mutating func endRow()
}

/// Each row summed at once into its new point, nothing stored.
struct PointSums: SubdivisionRows {
    private let points: [SIMD3<Double>]
    private var sum = SIMD3<Double>.zero
    private(set) var result: [SIMD3<Float>] = []

    init(_ points: [SIMD3<Float>]) { self.points = points.map(SIMD3<Double>.init) }

    mutating func add(_ column: Int, _ weight: Double) { sum += weight * points[column] }

    mutating func endRow() {
        result.append(SIMD3<Float>(sum))
        sum = .zero
    }
}

extension SubdivisionRows {
    /// One whole row from (old point, weight) terms.
    mutating func append(_ terms: [(Int, Double)]) {
        for (column, weight) in terms { add(column, weight) }
        endRow()
    }

    /// Catmull–Clark's rows: moved old vertices, then edge points, then face points.
    mutating func addCatmullClark(_ mesh: Mesh, topology: EdgeTopology) {
        let offsets = mesh.faceOffsets
        let p = mesh.positions.map(SIMD3<Double>.init)
        /// Face f's point (the mean of its corners), times k, into the current row.
        func addFacePoint(_ f: Int, times k: Double) {
            let share = k / Double(mesh.faceSizes[f])
            for c in offsets[f]..<offsets[f + 1] { add(Int(mesh.faceVertexIndices[c]), share) }
        }
        for v in p.indices {
            if let rule = topology.boundaryRule(v, positions: p) {
                append(rule)
                continue
            }
            let n = Double(topology.vertexEdges[v].count)
            guard n >= 3 else {
                append([(v, 1)])
                continue
            }
            // (q + 2r + (n − 3)·v) / n: q the mean of the face points, r of the edge midpoints.
            let faces = topology.vertexFaces[v]
            add(v, (n - 3) / n)
            for f in faces { addFacePoint(f, times: 1 / (Double(faces.count) * n)) }
            for e in topology.vertexEdges[v] {
                add(topology.edges[e].0, 1 / (n * n))
                add(topology.edges[e].1, 1 / (n * n))
            }
            endRow()
        }
        for e in topology.edges.indices {
            let (a, b) = topology.edges[e]
            let faces = topology.edgeFaces[e]
            if faces.count == 2 {
                add(a, 0.25)
                add(b, 0.25)
                addFacePoint(faces[0], times: 0.25)
                addFacePoint(faces[1], times: 0.25)
                endRow()
            } else {
                append([(a, 0.5), (b, 0.5)])
            }
        }
        for f in mesh.faceSizes.indices {
            addFacePoint(f, times: 1)
            endRow()
        }
    }

    /// Loop's rows: moved old vertices, then edge points.
    mutating func addLoop(_ mesh: Mesh, topology: EdgeTopology) {
        let p = mesh.positions.map(SIMD3<Double>.init)
        for v in p.indices {
            if let rule = topology.boundaryRule(v, positions: p) {
                append(rule)
                continue
            }
            let edges = topology.vertexEdges[v]
            let n = Double(edges.count)
            guard n >= 3 else {
                append([(v, 1)])
                continue
            }
            // Loop's weight: β = (5/8 − (3/8 + cos(2π/n)/4)²) / n.
            let c = 3.0 / 8 + cos(2 * Double.pi / n) / 4
            let beta = (5.0 / 8 - c * c) / n
            add(v, 1 - n * beta)
            for e in edges { add(topology.edges[e].0 == v ? topology.edges[e].1 : topology.edges[e].0, beta) }
            endRow()
        }
        for e in topology.edges.indices {
            let (a, b) = topology.edges[e]
            let faces = topology.edgeFaces[e]
            guard faces.count == 2 else {
                append([(a, 0.5), (b, 0.5)])
                continue
            }
            let opposite = faces.map { f in
                (3 * f..<3 * f + 3).map { Int(mesh.faceVertexIndices[$0]) }.first { $0 != a && $0 != b }!
            }
            append([(a, 3.0 / 8), (b, 3.0 / 8), (opposite[0], 1.0 / 8), (opposite[1], 1.0 / 8)])
        }
    }
}

import Formats
import Foundation

/// One subdivision step as a linear map: every new point is a fixed weighted sum of old points
/// (Catmull–Clark and Loop are linear once the mesh's topology, and its corners, are fixed).
/// Built once from the mesh, it refines the positions and, with the same weights, every morph
/// target's offsets, so a blendshape subdivided with the mesh is the subdivided blendshape.
///
/// Rows are stored compressed (CSR): row r's old points are `columns[starts[r]..<starts[r + 1]]`.
struct SubdivisionStencil {
    private(set) var starts: [Int] = [0]
    private(set) var columns: [Int] = []
    private(set) var weights: [Double] = []

    var rowCount: Int { starts.count - 1 }

    /// Appends a row from (old point, weight) terms; terms naming one point are summed.
    mutating func append(_ terms: [(Int, Double)]) {
        var merged: [(Int, Double)] = []
        for term in terms.sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, last.0 == term.0 {
                merged[merged.count - 1].1 += term.1
            } else {
                merged.append(term)
            }
        }
        for (column, weight) in merged {
            columns.append(column)
            weights.append(weight)
        }
        starts.append(columns.count)
    }

    /// The row of old points `row` is made from, as terms (for composing rows).
    func terms(_ row: Int) -> [(Int, Double)] {
        (starts[row]..<starts[row + 1]).map { (columns[$0], weights[$0]) }
    }

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

extension SubdivisionStencil {
    /// Catmull–Clark's rows: moved old vertices, then edge points, then face points.
    init(catmullClark mesh: Mesh, topology: EdgeTopology) {
        let offsets = mesh.faceOffsets
        let p = mesh.positions.map(SIMD3<Double>.init)
        let facePoints: [[(Int, Double)]] = mesh.faceSizes.indices.map { f in
            let n = Double(mesh.faceSizes[f])
            return (offsets[f]..<offsets[f + 1]).map { (Int(mesh.faceVertexIndices[$0]), 1 / n) }
        }
        func scaled(_ terms: [(Int, Double)], _ k: Double) -> [(Int, Double)] { terms.map { ($0.0, $0.1 * k) } }
        var vertexRows: [[(Int, Double)]] = []
        for v in p.indices {
            if let rule = topology.boundaryRule(v, positions: p) {
                vertexRows.append(rule)
                continue
            }
            let n = Double(topology.vertexEdges[v].count)
            guard n >= 3 else {
                vertexRows.append([(v, 1)])
                continue
            }
            // (q + 2r + (n − 3)·v) / n: q the mean of the face points, r of the edge midpoints.
            let faces = topology.vertexFaces[v]
            var row: [(Int, Double)] = [(v, (n - 3) / n)]
            for f in faces { row += scaled(facePoints[f], 1 / (Double(faces.count) * n)) }
            for e in topology.vertexEdges[v] {
                row += [(topology.edges[e].0, 1 / (n * n)), (topology.edges[e].1, 1 / (n * n))]
            }
            vertexRows.append(row)
        }
        for row in vertexRows { append(row) }
        for e in topology.edges.indices {
            let (a, b) = topology.edges[e]
            let faces = topology.edgeFaces[e]
            if faces.count == 2 {
                append(
                    [(a, 0.25), (b, 0.25)] + scaled(facePoints[faces[0]], 0.25) + scaled(facePoints[faces[1]], 0.25))
            } else {
                append([(a, 0.5), (b, 0.5)])
            }
        }
        for row in facePoints { append(row) }
    }

    /// Loop's rows: moved old vertices, then edge points.
    init(loop mesh: Mesh, topology: EdgeTopology) {
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
            let ring = edges.map { e in topology.edges[e].0 == v ? topology.edges[e].1 : topology.edges[e].0 }
            append([(v, 1 - n * beta)] + ring.map { ($0, beta) })
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

import Foundation

/// Where the dense fit looks at the face: a spatially even subset of the model's quads, each
/// sampled at its centre with its normal from the quad's diagonals. Both are linear in the
/// model's bases (the centre is the corners' mean, each diagonal a difference of corners), so the
/// rows are gathered once per model and the normal's derivative in α and β is exact:
///
///     c = ¼ Σ corners,   m = (p₂ − p₀) × (p₃ − p₁),   n = m / |m|
///
/// Quads are taken one per `spacing`-mm cell of the mean face, the first (lowest index) in each
/// cell, so the set is deterministic and does not crowd where ICT's mesh is dense (eyes, lips).
struct SurfaceSamples {
    /// Polygon index of each sample.
    let polygons: [Int]
    let centres: ModelRows
    let diagonals: (ModelRows, ModelRows)
    /// +1 or −1 per sample: the diagonal cross product's sign that points out of the face.
    let orientation: [Double]
    /// Mean-face centres (mm), for the neighbourhoods of the albedo smoothing.
    let meanCentres: [SIMD3<Double>]

    init(model: MorphableModel, spacing: Double) {
        var corner = 0
        var cells = Set<SIMD3<Int32>>()
        var chosen: [[Int]] = []
        var polygons: [Int] = []
        let mean = model.mean
        func position(_ v: Int) -> SIMD3<Double> {
            SIMD3(Double(mean[3 * v]), Double(mean[3 * v + 1]), Double(mean[3 * v + 2]))
        }
        for (f, size) in model.polygonSizes.enumerated() {
            defer { corner += Int(size) }
            guard size == 4 else { continue }
            let v = (0..<4).map { Int(model.polygonVertices[corner + $0]) }
            let c = v.map(position).reduce(.zero, +) / 4
            let cell = SIMD3<Int32>((c / spacing).rounded(.down))
            guard cells.insert(cell).inserted else { continue }
            chosen.append(v)
            polygons.append(f)
        }
        self.polygons = polygons
        centres = ModelRows(model: model, combinations: chosen.map { v in v.map { ($0, Float(0.25)) } })
        diagonals = (
            ModelRows(model: model, combinations: chosen.map { [($0[2], Float(1)), ($0[0], Float(-1))] }),
            ModelRows(model: model, combinations: chosen.map { [($0[3], Float(1)), ($0[1], Float(-1))] })
        )
        // ICT's winding is consistent; the sign is taken against the mesh's own normals anyway.
        let normals = model.mesh().normals
        meanCentres = chosen.map { v in v.map(position).reduce(.zero, +) / 4 }
        orientation = chosen.map { v in
            let m = cross(position(v[2]) - position(v[0]), position(v[3]) - position(v[1]))
            let n = v.map { SIMD3<Double>(normals[$0]) }.reduce(.zero, +)
            return (m * n).sum() >= 0 ? 1 : -1
        }
    }

    var count: Int { polygons.count }
}

extension ModelRows {
    /// Rows of weighted sums of vertices (each row set one point: Σ weight · vertex), e.g. a
    /// polygon's centre or a difference of corners. `vertices` records each combination's first
    /// vertex.
    init(model: MorphableModel, combinations: [[(Int, Float)]]) {
        let k = model.identityCount
        let e = model.expressionNames.count
        let v3 = 3 * model.vertexCount
        let n = combinations.count
        var mean = [Float](repeating: 0, count: 3 * n)
        var identity = [Float](repeating: 0, count: 3 * n * k)
        var expression = [Float](repeating: 0, count: 3 * n * e)
        model.mean.withUnsafeBufferPointer { m in
            for (i, terms) in combinations.enumerated() {
                for (v, w) in terms { for c in 0..<3 { mean[3 * i + c] += w * m[3 * v + c] } }
            }
        }
        model.identityBasis.withUnsafeBufferPointer { b in
            for j in 0..<k {
                for (i, terms) in combinations.enumerated() {
                    for (v, w) in terms {
                        for c in 0..<3 { identity[(3 * i + c) * k + j] += w * b[j * v3 + 3 * v + c] }
                    }
                }
            }
        }
        model.expressionBasis.withUnsafeBufferPointer { b in
            for j in 0..<e {
                for (i, terms) in combinations.enumerated() {
                    for (v, w) in terms {
                        for c in 0..<3 { expression[(3 * i + c) * e + j] += w * b[j * v3 + 3 * v + c] }
                    }
                }
            }
        }
        self.init(
            vertices: combinations.map { $0.first?.0 ?? 0 }, mean: mean, identity: identity, expression: expression,
            identityCount: k, expressionCount: e)
    }

    /// Adds vᵀ · (the 3 × (k + e) block of row `i`) to `out` at `offset` (identity columns, then
    /// expression columns): a direction in model space turned into a row over α and β.
    @inline(__always)
    func accumulate(_ i: Int, _ v: SIMD3<Double>, into out: UnsafeMutablePointer<Double>, offset: Int) {
        let k = identityCount
        let e = expressionCount
        identity.withUnsafeBufferPointer { b in
            let r = b.baseAddress! + 3 * i * k
            let o = out + offset
            for j in 0..<k { o[j] += v.x * Double(r[j]) + v.y * Double(r[k + j]) + v.z * Double(r[2 * k + j]) }
        }
        expression.withUnsafeBufferPointer { b in
            let r = b.baseAddress! + 3 * i * e
            let o = out + offset + k
            for j in 0..<e { o[j] += v.x * Double(r[j]) + v.y * Double(r[e + j]) + v.z * Double(r[2 * e + j]) }
        }
    }
}

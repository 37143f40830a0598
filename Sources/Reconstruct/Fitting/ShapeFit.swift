/// The model's rows at a set of vertices, gathered once per fitting step: mean positions and the
/// identity and expression bases (mm), laid out for the linear solves.
struct ModelRows {
    let vertices: [Int]
    /// 3 per vertex. Single precision like the model file: the rows are streamed every iteration
    /// (11 MB for both contour sides in double), so their size is the fit's cost.
    let mean: [Float]
    /// (3 · vertices) × identityCount, row-major.
    let identity: [Float]
    /// (3 · vertices) × expressionCount, row-major.
    let expression: [Float]
    let identityCount: Int
    let expressionCount: Int

    init(
        vertices: [Int], mean: [Float], identity: [Float], expression: [Float], identityCount: Int, expressionCount: Int
    ) {
        self.vertices = vertices
        self.mean = mean
        self.identity = identity
        self.expression = expression
        self.identityCount = identityCount
        self.expressionCount = expressionCount
    }

    init(model: MorphableModel, vertices: [Int]) {
        self.vertices = vertices
        let k = model.identityCount
        let e = model.expressionNames.count
        let v3 = 3 * model.vertexCount
        identityCount = k
        expressionCount = e
        var mean = [Float](repeating: 0, count: 3 * vertices.count)
        var identity = [Float](repeating: 0, count: 3 * vertices.count * k)
        var expression = [Float](repeating: 0, count: 3 * vertices.count * e)
        model.mean.withUnsafeBufferPointer { m in
            for (i, v) in vertices.enumerated() { for c in 0..<3 { mean[3 * i + c] = m[3 * v + c] } }
        }
        model.identityBasis.withUnsafeBufferPointer { b in
            for j in 0..<k {
                for (i, v) in vertices.enumerated() {
                    for c in 0..<3 { identity[(3 * i + c) * k + j] = b[j * v3 + 3 * v + c] }
                }
            }
        }
        model.expressionBasis.withUnsafeBufferPointer { b in
            for j in 0..<e {
                for (i, v) in vertices.enumerated() {
                    for c in 0..<3 { expression[(3 * i + c) * e + j] = b[j * v3 + 3 * v + c] }
                }
            }
        }
        self.mean = mean
        self.identity = identity
        self.expression = expression
    }

    /// The rows of the vertices at `indices` (into `vertices`), copied.
    func subset(_ indices: [Int]) -> ModelRows {
        var mean: [Float] = []
        var identity: [Float] = []
        var expression: [Float] = []
        mean.reserveCapacity(3 * indices.count)
        identity.reserveCapacity(3 * indices.count * identityCount)
        expression.reserveCapacity(3 * indices.count * expressionCount)
        for i in indices {
            mean += self.mean[(3 * i)..<(3 * i + 3)]
            identity += self.identity[(3 * i * identityCount)..<(3 * (i + 1) * identityCount)]
            expression += self.expression[(3 * i * expressionCount)..<(3 * (i + 1) * expressionCount)]
        }
        return ModelRows(
            vertices: indices.map { vertices[$0] }, mean: mean, identity: identity, expression: expression,
            identityCount: identityCount, expressionCount: expressionCount)
    }

    /// Positions (mm) of the gathered vertices at `indices` (into `vertices`).
    func positions(of indices: [Int], identity alpha: [Double], expression beta: [Double]) -> [SIMD3<Double>] {
        let a: [Float] = alpha.map { Float($0) }
        let b: [Float] = beta.map { Float($0) }
        let (k, e) = (identityCount, expressionCount)
        return identity.withUnsafeBufferPointer { id in
            expression.withUnsafeBufferPointer { ex in
                indices.map { i -> SIMD3<Double> in
                    var p = SIMD3<Double>.zero
                    for c in 0..<3 {
                        let r = 3 * i + c
                        p[c] = Double(
                            mean[r] + DenseSolve.dot(id.baseAddress! + r * k, a, k)
                                + DenseSolve.dot(ex.baseAddress! + r * e, b, e))
                    }
                    return p
                }
            }
        }
    }

    /// Every gathered vertex's position: mean + identity · α + expression · β.
    func positions(identity alpha: [Double], expression beta: [Double]) -> [SIMD3<Double>] {
        positions(of: Array(vertices.indices), identity: alpha, expression: beta)
    }

    /// The projected basis: (2 · vertices) × n rows, each vertex's 2 × 3 projection Jacobian
    /// (`PerspectiveCamera.jacobian`, one pair of rows per vertex) times `basis`.
    func projected(_ basis: [Float], columns n: Int, jacobians: [(SIMD3<Double>, SIMD3<Double>)]) -> [Double] {
        var out = [Double](repeating: 0, count: 2 * vertices.count * n)
        basis.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                // Row-wise over the columns, so the inner loops run contiguous and vectorise.
                for i in 0..<vertices.count {
                    let (m0, m1) = jacobians[i]
                    let bx = b.baseAddress! + 3 * i * n
                    let by = bx + n
                    let bz = by + n
                    let ox = o.baseAddress! + 2 * i * n
                    let oy = ox + n
                    for j in 0..<n {
                        let x = Double(bx[j])
                        let y = Double(by[j])
                        let z = Double(bz[j])
                        ox[j] = m0.x * x + m0.y * y + m0.z * z
                        oy[j] = m1.x * x + m1.y * y + m1.z * z
                    }
                }
            }
        }
        return out
    }
}

/// The residual of `pixels` after projecting `positions`: 2 per point (x, y), pixels.
func reprojectionResidual(_ pixels: [SIMD2<Double>], _ positions: [SIMD3<Double>], _ camera: PerspectiveCamera)
    -> [Double]
{
    zip(pixels, positions).flatMap { q, p in
        let r = q - camera.project(p)
        return [r.x, r.y]
    }
}

/// Identity coefficients α by regularised least squares (maximum a posteriori), one Gauss–Newton
/// step from the current α:
///
///     minimise  ‖A α − r‖² / σ²  +  ‖α‖²
///
/// where A is the identity basis at the landmark vertices through each vertex's projection
/// Jacobian (the camera's rows for an orthographic camera, where the step is exact), r the
/// landmark residual linearised at the current shape, σ the landmark noise in pixels and
/// α ~ N(0, I) the model's own prior (ICT's modes carry their standard deviations). So λ = σ²: a
/// mode moves only as far as the landmarks can tell it apart from noise.
func fitShape(
    rows: ModelRows, pixels: [SIMD2<Double>], camera: PerspectiveCamera, identity alpha: [Double],
    expression beta: [Double], landmarkNoise sigma: Double
) -> [Double] {
    let k = rows.identityCount
    let step = LinearizedLandmarks(rows: rows, pixels: pixels, camera: camera, identity: alpha, expression: beta)
    let a = rows.projected(rows.identity, columns: k, jacobians: step.jacobians)
    var (ata, atb) = DenseSolve.normalEquations(a, step.residual, rows: step.residual.count, n: k)
    // Linearised at α: the data pull on the new α is Aᵀ(r + A α).
    for i in 0..<k { atb[i] += DenseSolve.dotRows(ata, row: i, alpha, n: k) }
    for i in 0..<k { ata[i * k + i] += sigma * sigma }
    return DenseSolve.choleskySolve(ata, atb, n: k) ?? alpha
}

/// Expression weights β by bounded, regularised least squares, one Gauss–Newton step from the
/// current β:
///
///     minimise  ‖C β − r‖² / σ²  +  μ ‖β − β₀‖²,   0 ≤ βₑ ≤ 1
///
/// with C the blendshapes at the landmark vertices through each vertex's projection Jacobian and r
/// the residual linearised at the current face. ICT blendshape weights live in [0, 1]; β₀ is the
/// expression prior (zero, the neutral face, without one) and μ its strength. Solved by projected
/// Gauss–Seidel on the normal equations, which converges for this positive definite system and
/// keeps the bounds exactly.
func fitExpression(
    rows: ModelRows, pixels: [SIMD2<Double>], camera: PerspectiveCamera, identity alpha: [Double],
    expression current: [Double], landmarkNoise sigma: Double, prior: [Double], priorWeight mu: Double,
    shaping: ExpressionShaping = ExpressionShaping(),
    sweeps: Int = 60
) -> [Double] {
    let e = rows.expressionCount
    let step = LinearizedLandmarks(rows: rows, pixels: pixels, camera: camera, identity: alpha, expression: current)
    let c = rows.projected(rows.expression, columns: e, jacobians: step.jacobians)
    var (h, g) = DenseSolve.normalEquations(c, step.residual, rows: step.residual.count, n: e)
    for i in 0..<e { g[i] += DenseSolve.dotRows(h, row: i, current, n: e) }
    let w = sigma * sigma * mu
    for i in 0..<e {
        h[i * e + i] += w
        g[i] += w * prior[i]
        // L1 toward zero: with β ≥ 0 it is a constant pull on each weight's gradient.
        g[i] -= sigma * sigma * shaping.sparsity
    }
    let tie = sigma * sigma * shaping.symmetry
    for (l, r) in shaping.pairs {
        h[l * e + l] += tie
        h[r * e + r] += tie
        h[l * e + r] -= tie
        h[r * e + l] -= tie
    }
    var beta = prior.map { min(max($0, 0), 1) }
    // The gradient g − H β is kept up to date as coordinates move (an axpy per moved weight), so a
    // sweep costs O(e) per weight that stays at a bound instead of a dot product each.
    var gradient = g
    for j in 0..<e { for k in 0..<e { gradient[k] -= h[k * e + j] * beta[j] } }
    h.withUnsafeBufferPointer { h in
        beta.withUnsafeMutableBufferPointer { beta in
            gradient.withUnsafeMutableBufferPointer { gradient in
                for _ in 0..<sweeps {
                    var change = 0.0
                    for j in 0..<e where h[j * e + j] > 0 && !shaping.held.contains(j) {
                        let next = min(max(beta[j] + gradient[j] / h[j * e + j], 0), 1)
                        let step = next - beta[j]
                        guard step != 0 else { continue }
                        change = max(change, abs(step))
                        beta[j] = next
                        let row = h.baseAddress! + j * e
                        for k in 0..<e { gradient[k] -= row[k] * step }
                    }
                    if change < 1e-6 { break }
                }
            }
        }
    }
    return beta
}

/// The landmark term linearised at the current face: each landmark vertex's projection Jacobian
/// and the residual (detected − projected, pixels, x and y per vertex) of the current shape.
struct LinearizedLandmarks {
    let jacobians: [(SIMD3<Double>, SIMD3<Double>)]
    let residual: [Double]

    init(
        rows: ModelRows, pixels: [SIMD2<Double>], camera: PerspectiveCamera, identity: [Double],
        expression: [Double]
    ) {
        let positions = rows.positions(identity: identity, expression: expression)
        jacobians = positions.map(camera.jacobian)
        residual = reprojectionResidual(pixels, positions, camera)
    }
}

/// What shapes the expression fit beyond the data and the prior: weights held at the prior
/// (blendshapes no landmark observes apart from others), an L1 pull toward zero so the weight
/// goes to few blendshapes instead of spreading, and a gentle tie between left/right pairs.
/// Weights are per unit weight, relative to one σ-sized landmark residual, as μ is.
struct ExpressionShaping: Sendable {
    var held: Set<Int> = []
    var sparsity = 0.0
    var symmetry = 0.0
    var pairs: [(Int, Int)] = []

    init() {}

    /// From the options' names for a model's blendshapes: every `name_L` with its `name_R` pairs.
    init(names: [String], held heldNames: [String], sparsity: Double, symmetry: Double) {
        held = Set(heldNames.compactMap { names.firstIndex(of: $0) })
        self.sparsity = sparsity
        self.symmetry = symmetry
        pairs = names.indices.compactMap { l in
            guard names[l].hasSuffix("_L"), let r = names.firstIndex(of: String(names[l].dropLast(2)) + "_R") else {
                return nil
            }
            return (l, r)
        }
    }
}

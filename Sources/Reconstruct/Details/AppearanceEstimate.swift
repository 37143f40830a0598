/// Light and low-frequency albedo of the unwrapped face (docs/details.md): the model
/// I = a · Σ lₖ Yₖ(N) of `SphericalHarmonicsLighting`, per colour channel, with a(p) a bicubic
/// B-spline over the tile on a coarse control grid (smooth by construction).
///
/// Both are fitted jointly by Levenberg–Marquardt on the visible texels at the proxy's normals.
/// The problem is bilinear and nearly degenerate: over most of the face the shading varies as
/// slowly as the albedo may, so either could explain it; only where the normal turns fast (nose,
/// lids, lips, folds) is the light pinned. Alternating the two (light with albedo held, then
/// albedo with light held) crawls along that valley and leaves light errors that show at exactly
/// those features; the joint steps do not. The split a·l is fixed only up to a global factor per
/// channel (which the detail solve does not depend on); a small smoothness term on the control
/// grid fills controls no visible texel reaches.
public struct AppearanceEstimate: Sendable {
    public var lighting: SphericalHarmonicsLighting
    /// Linear RGB albedo per texel of the samples' grid.
    public var albedo: [SIMD3<Float>]
    /// Per channel, the fit's unknowns (albedo controls, then the nine light coefficients): where
    /// a refit (after reweighting) starts.
    var parameters: [[Double]] = []

    public struct Options: Sendable {
        /// Albedo control points per side: 10 spans the tile's ≈ 200 mm in ≈ 28 mm steps, so the
        /// albedo follows the cheeks' and lips' colour but not wrinkles or pores.
        public var albedoControls = 10
        /// Levenberg–Marquardt steps at most; a step that lowers the cost by under 1e-7 of it ends
        /// the fit (refits after reweighting start from the previous answer).
        public var iterations = 8
        /// At most this many texels feed the fit (a regular subsample of the visible ones): 109
        /// unknowns per channel, so still ~70 samples per unknown.
        public var samples = 8_000
        /// Weight of the control grid's membrane smoothness, relative to the data's mean weight
        /// per control.
        public var albedoSmoothness: Double = 1e-3
        public init() {}
    }

    public init(lighting: SphericalHarmonicsLighting, albedo: [SIMD3<Float>]) {
        self.lighting = lighting
        self.albedo = albedo
    }

    /// nil when fewer than nine texels carry weight.
    public static func estimate(
        _ samples: ShadingSamples, surface: SurfaceBuffer, options: Options = Options(),
        start: AppearanceEstimate? = nil
    ) -> AppearanceEstimate? {
        precondition(samples.size == surface.size)
        let n = samples.size
        let used = samples.weights.indices.filter { samples.weights[$0] > 0 && surface.covered[$0] }
        guard used.count >= 9 else { return nil }
        let stride = max(1, used.count / options.samples)
        let subset = Swift.stride(from: 0, to: used.count, by: stride).map { used[$0] }
        let grid = AlbedoGrid(controls: options.albedoControls, size: n)
        let fit = BilinearShadingFit(
            grid: grid, indices: subset, normals: subset.map { surface.normals[$0] },
            weights: subset.map { samples.weights[$0] }, smoothness: options.albedoSmoothness)
        var coefficients = [SIMD3<Float>](repeating: .zero, count: 9)
        var controls = [[Double]](repeating: [], count: 3)
        for channel in 0..<3 {
            let initial = start.map { $0.parameters[channel] }
            guard
                let x = fit.solve(
                    colours: subset.map { Double(samples.colours[$0][channel]) }, iterations: options.iterations,
                    start: initial?.count == grid.controls * grid.controls + 9 ? initial : nil)
            else { return nil }
            controls[channel] = Array(x[0..<(grid.controls * grid.controls)])
            for k in 0..<9 { coefficients[k][channel] = Float(x[grid.controls * grid.controls + k]) }
        }
        let albedo = (0..<(n * n)).map { i in
            var rgb = SIMD3<Double>.zero
            for (j, w) in grid.basis(at: i) { rgb += w * SIMD3(controls[0][j], controls[1][j], controls[2][j]) }
            return SIMD3<Float>(rgb)
        }
        var estimate = AppearanceEstimate(
            lighting: SphericalHarmonicsLighting(coefficients: coefficients), albedo: albedo)
        estimate.parameters = (0..<3).map { c in controls[c] + coefficients.map { Double($0[c]) } }
        return estimate
    }

    /// The modelled colour at texel i with normal n.
    @inline(__always) public func rendered(_ i: Int, normal n: SIMD3<Float>) -> SIMD3<Float> {
        albedo[i] * lighting.shading(n)
    }
}

/// A uniform bicubic B-spline over the texel grid: G × G controls, each texel a weighted sum of
/// 4 × 4 of them.
struct AlbedoGrid {
    let controls: Int
    let size: Int

    /// The first control of the texel's 4 × 4 block along one axis, and the four weights.
    func span(_ k: Int) -> (first: Int, weights: SIMD4<Double>) {
        let t = (Double(k) + 0.5) / Double(size) * Double(controls - 3)
        let first = min(max(Int(t), 0), controls - 4)
        let f = t - Double(first)
        let g = 1 - f
        return (
            first,
            SIMD4(g * g * g, 3 * f * f * f - 6 * f * f + 4, -3 * f * f * f + 3 * f * f + 3 * f + 1, f * f * f) / 6
        )
    }

    /// (control index, weight) of the 16 controls of texel i.
    func basis(at i: Int) -> [(Int, Double)] {
        let (sx, sy) = (span(i % size), span(i / size))
        var out: [(Int, Double)] = []
        out.reserveCapacity(16)
        for b in 0..<4 {
            for a in 0..<4 { out.append(((sy.first + b) * controls + sx.first + a, sy.weights[b] * sx.weights[a])) }
        }
        return out
    }

}

/// min Σ w (I − a·s)² over albedo controls β and light l of one channel, a = Σ βⱼBⱼ, s = Σ lₖYₖ(N).
struct BilinearShadingFit {
    let grid: AlbedoGrid
    /// Per sample: its 16 controls and their weights, and its 9 SH basis values (flat).
    let controls: [Int]
    let controlWeights: [Double]
    let harmonics: [Double]
    let weights: [Double]
    let smoothness: Double

    init(grid: AlbedoGrid, indices: [Int], normals: [SIMD3<Float>], weights: [Float], smoothness: Double) {
        self.grid = grid
        let spans = indices.map(grid.basis)
        controls = spans.flatMap { $0.map(\.0) }
        controlWeights = spans.flatMap { $0.map(\.1) }
        harmonics = normals.flatMap { SphericalHarmonicsLighting.basis($0).map(Double.init) }
        self.weights = weights.map(Double.init)
        self.smoothness = smoothness
    }

    /// (β, l), from `start` or else a constant albedo and the light it implies.
    func solve(colours: [Double], iterations: Int, start: [Double]? = nil) -> [Double]? {
        let g = grid.controls * grid.controls
        let m = g + 9
        let meanColour = zip(colours, weights).reduce(0) { $0 + $1.0 * $1.1 } / max(weights.reduce(0, +), 1e-300)
        var x = start ?? [Double](repeating: 1, count: g) + [meanColour / 0.282095] + [Double](repeating: 0, count: 8)
        // Membrane on the control grid, scaled to the data's weight per control.
        let rho = smoothness * weights.reduce(0, +) / Double(g)
        var damping = 1e-3
        var cost = energy(x, colours, rho: rho)
        for _ in 0..<iterations {
            var (jtj, jte) = normalEquations(x, colours)
            addMembrane(&jtj, &jte, x, rho: rho, stride: m)
            var accepted = false
            for _ in 0..<8 {
                var damped = jtj
                for r in 0..<m { damped[r * m + r] += damping * max(jtj[r * m + r], 1e-12) }
                guard let step = DenseSolve.choleskySolve(damped, jte, n: m) else {
                    damping *= 10
                    continue
                }
                let candidate = zip(x, step).map(+)
                let next = energy(candidate, colours, rho: rho)
                if next < cost {
                    // Converged: the step no longer changes the cost meaningfully.
                    let settled = cost - next < 1e-7 * cost
                    x = candidate
                    cost = next
                    damping = max(damping / 10, 1e-9)
                    accepted = !settled
                    break
                }
                damping *= 10
            }
            if !accepted { break }
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    /// JᵀWJ and JᵀWe of the data term at x (m × m, m = controls + 9).
    private func normalEquations(_ x: [Double], _ colours: [Double]) -> ([Double], [Double]) {
        let g = grid.controls * grid.controls
        let m = g + 9
        var jtj = [Double](repeating: 0, count: m * m)
        var jte = [Double](repeating: 0, count: m)
        var rows = [Int](repeating: 0, count: 25)
        var values = [Double](repeating: 0, count: 25)
        jtj.withUnsafeMutableBufferPointer { jtj in
            jte.withUnsafeMutableBufferPointer { jte in
                rows.withUnsafeMutableBufferPointer { rows in
                    values.withUnsafeMutableBufferPointer { values in
                        for s in weights.indices {
                            let (a, shade) = evaluate(x, s)
                            let e = colours[s] - a * shade
                            let w = weights[s]
                            for k in 0..<16 {
                                rows[k] = controls[16 * s + k]
                                values[k] = controlWeights[16 * s + k] * shade
                            }
                            for k in 0..<9 {
                                rows[16 + k] = g + k
                                values[16 + k] = a * harmonics[9 * s + k]
                            }
                            // rows ascend (controls row-major, then the light): fill the upper triangle.
                            for p in 0..<25 {
                                let r = rows[p]
                                let wr = w * values[p]
                                jte[r] += wr * e
                                for q in p..<25 { jtj[r * m + rows[q]] += wr * values[q] }
                            }
                        }
                    }
                }
            }
        }
        for r in 0..<m {
            for c in (r + 1)..<m {
                let sum = jtj[r * m + c] + jtj[c * m + r]
                jtj[r * m + c] = sum
                jtj[c * m + r] = sum
            }
        }
        return (jtj, jte)
    }

    @inline(__always)
    private func evaluate(_ x: [Double], _ s: Int) -> (albedo: Double, shading: Double) {
        let g = grid.controls * grid.controls
        var a = 0.0
        var shade = 0.0
        for k in 0..<16 { a += x[controls[16 * s + k]] * controlWeights[16 * s + k] }
        for k in 0..<9 { shade += x[g + k] * harmonics[9 * s + k] }
        return (a, shade)
    }

    private func energy(_ x: [Double], _ colours: [Double], rho: Double) -> Double {
        var sum = 0.0
        for s in weights.indices {
            let (a, shade) = evaluate(x, s)
            sum += weights[s] * (colours[s] - a * shade) * (colours[s] - a * shade)
        }
        let c = grid.controls
        for y in 0..<c {
            for x0 in 0..<c {
                let i = y * c + x0
                if x0 + 1 < c { sum += rho * (x[i] - x[i + 1]) * (x[i] - x[i + 1]) }
                if y + 1 < c { sum += rho * (x[i] - x[i + c]) * (x[i] - x[i + c]) }
            }
        }
        return sum
    }

    /// Adds ρ Σ (βᵢ − βⱼ)² over grid neighbours to the normal equations around β.
    private func addMembrane(_ jtj: inout [Double], _ jte: inout [Double], _ x: [Double], rho: Double, stride m: Int) {
        let c = grid.controls
        for y in 0..<c {
            for x0 in 0..<c {
                let i = y * c + x0
                for j in [x0 + 1 < c ? i + 1 : -1, y + 1 < c ? i + c : -1] where j >= 0 {
                    jtj[i * m + i] += rho
                    jtj[j * m + j] += rho
                    jtj[i * m + j] -= rho
                    jtj[j * m + i] -= rho
                    jte[i] -= rho * (x[i] - x[j])
                    jte[j] += rho * (x[i] - x[j])
                }
            }
        }
    }
}

import Foundation

/// The linearised shape-from-shading problem on a size × size texel grid (docs/details.md):
///
///     minimise  Σᵢ wᵢ (cxᵢ·(Dx δ)ᵢ + cyᵢ·(Dy δ)ᵢ − rᵢ)²  +  λs ‖∇(d₀ + δ)‖²  +  λm ‖d₀ + δ‖²
///
/// over the displacement increment δ (mm per texel), where r is what the current surface d₀ leaves
/// unexplained in the texture, (cx, cy) how the rendered intensity changes per mm-per-texel slope
/// of the displacement, w the texel's confidence, Dx, Dy central differences (one-sided on the
/// grid's border) and ∇ the forward differences between 4-neighbours. The normal equations are a
/// sparse symmetric positive definite system, solved matrix-free by Jacobi-preconditioned
/// conjugate gradients, coarse to fine.
struct ShadingSystem {
    let size: Int
    var weights: [Float]
    var cx: [Float]
    var cy: [Float]
    var residuals: [Float]

    /// The same problem on a grid of half the side: 2 × 2 texels merged, residual and slope
    /// coefficients weight-averaged; a coarse texel is twice as wide, so the same slope is twice
    /// the difference and the coefficients halve.
    func coarsened() -> ShadingSystem {
        let m = size / 2
        var out = ShadingSystem(
            size: m, weights: .init(repeating: 0, count: m * m), cx: .init(repeating: 0, count: m * m),
            cy: .init(repeating: 0, count: m * m), residuals: .init(repeating: 0, count: m * m))
        for y in 0..<m {
            for x in 0..<m {
                var w: Float = 0
                var a: Float = 0
                var b: Float = 0
                var r: Float = 0
                for (sx, sy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let i = (2 * y + sy) * size + 2 * x + sx
                    w += weights[i]
                    a += weights[i] * cx[i]
                    b += weights[i] * cy[i]
                    r += weights[i] * residuals[i]
                }
                let o = y * m + x
                out.weights[o] = w / 4
                if w > 0 {
                    out.cx[o] = a / w / 2
                    out.cy[o] = b / w / 2
                    out.residuals[o] = r / w
                }
            }
        }
        return out
    }
}

struct DisplacementSolver {
    /// λs and λm as multiples of the mean data curvature Σ w (cx² + cy²) / Σ w, so they mean the
    /// same whatever the light's strength, the albedo or the grid size.
    var smoothness: Float
    var magnitude: Float
    /// Grids are coarsened down to this side (or the first odd side).
    var coarsestSize: Int
    var coarseIterations: Int
    var fineIterations: Int

    /// δ minimising the system's energy around d₀ (both mm, size × size).
    func solve(_ system: ShadingSystem, around base: [Float]) -> [Float] {
        let n = system.size
        var start = [Float](repeating: 0, count: n * n)
        var iterations = coarseIterations
        if n > coarsestSize && n % 2 == 0 {
            let coarseBase = Self.restrict(base, size: n)
            start = Self.prolong(solve(system.coarsened(), around: coarseBase), size: n / 2)
            iterations = fineIterations
        }
        return conjugateGradients(system, base: base, start: start, iterations: iterations)
    }

    private func conjugateGradients(_ s: ShadingSystem, base: [Float], start: [Float], iterations: Int) -> [Float] {
        let n = s.size
        let count = n * n
        var curvature: Double = 0
        var weightSum: Double = 0
        for i in 0..<count where s.weights[i] > 0 {
            curvature += Double(s.weights[i] * (s.cx[i] * s.cx[i] + s.cy[i] * s.cy[i]))
            weightSum += Double(s.weights[i])
        }
        guard weightSum > 0 else { return start }
        let scale = Float(curvature / weightSum)
        let op = ShadingOperator(system: s, smoothness: smoothness * scale, magnitude: magnitude * scale)
        // b = data pull − regularisation of the base.
        var b = op.dataRightHandSide()
        let regularised = op.regularisation(base)
        for i in 0..<count { b[i] -= regularised[i] }
        let inverseDiagonal = op.diagonal().map { $0 > 0 ? 1 / $0 : 0 }
        var x = start
        var r = b
        let ax = op.apply(x)
        for i in 0..<count { r[i] -= ax[i] }
        var z = zip(r, inverseDiagonal).map(*)
        var p = z
        var rz = dotProduct(r, z)
        let threshold = 1e-10 * max(rz, 1e-30)
        for _ in 0..<iterations {
            let ap = op.apply(p)
            let pap = dotProduct(p, ap)
            guard pap > 0 else { break }
            let alpha = Float(rz / pap)
            for i in 0..<count {
                x[i] += alpha * p[i]
                r[i] -= alpha * ap[i]
            }
            for i in 0..<count { z[i] = r[i] * inverseDiagonal[i] }
            let next = dotProduct(r, z)
            if next < threshold { break }
            let beta = Float(next / rz)
            rz = next
            for i in 0..<count { p[i] = z[i] + beta * p[i] }
        }
        return x
    }

    /// Mean of 2 × 2 blocks.
    static func restrict(_ d: [Float], size n: Int) -> [Float] {
        let m = n / 2
        return (0..<(m * m)).map { o in
            let x = o % m
            let y = o / m
            let i = 2 * y * n + 2 * x
            return (d[i] + d[i + 1] + d[i + n] + d[i + n + 1]) / 4
        }
    }

    /// `prolong` repeated from an m × m grid up to `size` × `size` (a power-of-two multiple of m).
    static func prolonged(_ d: [Float], from m: Int, to size: Int) -> [Float] {
        var values = d
        var side = m
        while side < size {
            values = prolong(values, size: side)
            side *= 2
        }
        return values
    }

    /// Bilinear interpolation from an m × m grid onto 2m × 2m (texel centres aligned, edges clamped).
    static func prolong(_ d: [Float], size m: Int) -> [Float] {
        let n = 2 * m
        var out = [Float](repeating: 0, count: n * n)
        for y in 0..<n {
            let fy = min(max((Float(y) + 0.5) / 2 - 0.5, 0), Float(m - 1))
            let y0 = Int(fy)
            let y1 = min(y0 + 1, m - 1)
            let ty = fy - Float(y0)
            for x in 0..<n {
                let fx = min(max((Float(x) + 0.5) / 2 - 0.5, 0), Float(m - 1))
                let x0 = Int(fx)
                let x1 = min(x0 + 1, m - 1)
                let tx = fx - Float(x0)
                let top = d[y0 * m + x0] * (1 - tx) + d[y0 * m + x1] * tx
                let bottom = d[y1 * m + x0] * (1 - tx) + d[y1 * m + x1] * tx
                out[y * n + x] = top * (1 - ty) + bottom * ty
            }
        }
        return out
    }
}

private func dotProduct(_ a: [Float], _ b: [Float]) -> Double {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            var sum: Double = 0
            for i in 0..<a.count { sum += Double(a[i] * b[i]) }
            return sum
        }
    }
}

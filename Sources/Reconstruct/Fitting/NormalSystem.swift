import Foundation

/// The Gauss–Newton normal equations of the dense fit, H δ = g, built row by row from residuals
/// f with Jacobian rows J and weights w: H += w Jᵀ J, g −= w f J (so δ lowers Σ w (f + J δ)²).
/// Only the upper triangle is accumulated; `symmetrised` fills the rest.
struct NormalSystem {
    let n: Int
    var h: [Double]
    var g: [Double]

    init(unknowns n: Int) {
        self.n = n
        h = [Double](repeating: 0, count: n * n)
        g = [Double](repeating: 0, count: n)
    }

    /// Adds one residual f with Jacobian row `row` (n values) at weight w.
    @inline(__always)
    mutating func add(_ row: UnsafePointer<Double>, residual f: Double, weight w: Double) {
        let n = self.n
        h.withUnsafeMutableBufferPointer { h in
            g.withUnsafeMutableBufferPointer { g in
                for i in 0..<n {
                    let v = w * row[i]
                    guard v != 0 else { continue }
                    let out = h.baseAddress! + i * n
                    for j in i..<n { out[j] += v * row[j] }
                    g[i] -= v * f
                }
            }
        }
    }

    /// The sum of two systems over the same unknowns.
    static func + (a: NormalSystem, b: NormalSystem) -> NormalSystem {
        var out = a
        for i in out.h.indices { out.h[i] += b.h[i] }
        for i in out.g.indices { out.g[i] += b.g[i] }
        return out
    }

    /// The lower triangle mirrored from the upper.
    func symmetrised() -> NormalSystem {
        var out = self
        for i in 0..<n { for j in 0..<i { out.h[i * n + j] = h[j * n + i] } }
        return out
    }

    /// Solves H δ = g with some unknowns boxed: δ_i keeps x_i + δ_i within [lower_i, upper_i]
    /// where given (nil: free), and `held` unknowns do not move. An active set: solve, pin every
    /// boxed unknown that left its box at the bound it crossed, solve the rest again (at most
    /// `rounds` times, then clamped). Returns nil when the system is singular.
    func solve(current x: [Double], lower: [Double?], upper: [Double?], held: Set<Int>, rounds: Int = 6) -> [Double]? {
        var pinned = [Double?](repeating: nil, count: n)
        for i in held { pinned[i] = 0 }
        var delta = [Double](repeating: 0, count: n)
        for _ in 0..<rounds {
            let free = (0..<n).filter { pinned[$0] == nil }
            let m = free.count
            var a = [Double](repeating: 0, count: m * m)
            var b = [Double](repeating: 0, count: m)
            for (r, i) in free.enumerated() {
                var rhs = g[i]
                for j in 0..<n { if let d = pinned[j] { rhs -= h[i * n + j] * d } }
                b[r] = rhs
                for (c, j) in free.enumerated() { a[r * m + c] = h[i * n + j] }
            }
            guard let solution = DenseSolve.choleskySolve(a, b, n: m) else { return nil }
            delta = pinned.map { $0 ?? 0 }
            for (r, i) in free.enumerated() { delta[i] = solution[r] }
            var changed = false
            for i in free {
                if let lo = lower[i], x[i] + delta[i] < lo {
                    pinned[i] = lo - x[i]
                    changed = true
                } else if let hi = upper[i], x[i] + delta[i] > hi {
                    pinned[i] = hi - x[i]
                    changed = true
                }
            }
            if !changed { return delta }
        }
        // Still crossing after every round: clamp what is left.
        for i in 0..<n {
            if let lo = lower[i] { delta[i] = max(delta[i], lo - x[i]) }
            if let hi = upper[i] { delta[i] = min(delta[i], hi - x[i]) }
        }
        return delta
    }
}

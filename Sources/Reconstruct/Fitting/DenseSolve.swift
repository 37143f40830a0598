/// Small dense linear algebra for the fitting steps: the systems are at most a few hundred
/// unknowns (100 identity modes, 53 expressions), so plain Cholesky on the normal equations is
/// exact enough, deterministic, and far below a millisecond.
///
/// Deliberately not OpenBLAS: at these sizes its threaded paths cost more in hand-off than they
/// save (a third of the fit's time went to worker spin-waits), and a threaded BLAS call that
/// races a `fork` elsewhere in the process (its fork handler stops the workers) waits forever —
/// which hung the test suite once. The loops below run on the calling thread, in a fixed order.
enum DenseSolve {
    /// Solves A x = b for symmetric positive definite A (n × n, row-major) by Cholesky.
    /// Returns nil when A is not positive definite.
    static func choleskySolve(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        var l = a
        var x = b
        let ok = l.withUnsafeMutableBufferPointer { l -> Bool in
            let base = UnsafePointer(l.baseAddress!)
            for j in 0..<n {
                let d = l[j * n + j] - dot(base + j * n, base + j * n, j)
                guard d > 0 else { return false }
                let djj = d.squareRoot()
                l[j * n + j] = djj
                for i in (j + 1)..<max(j + 1, n) {
                    let s = l[i * n + j] - dot(base + i * n, base + j * n, j)
                    l[i * n + j] = s / djj
                }
            }
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<n {
                    var s = x[i]
                    for k in 0..<i { s -= l[i * n + k] * x[k] }
                    x[i] = s / l[i * n + i]
                }
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var s = x[i]
                    for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * x[k] }
                    x[i] = s / l[i * n + i]
                }
            }
            return true
        }
        return ok ? x : nil
    }

    /// AᵀA and Aᵀb for A with `rows` rows and `n` columns (row-major), accumulated row by row
    /// (rank-one updates of contiguous runs, which the compiler vectorises).
    static func normalEquations(_ a: [Double], _ b: [Double], rows: Int, n: Int) -> (ata: [Double], atb: [Double]) {
        var ata = [Double](repeating: 0, count: n * n)
        var atb = [Double](repeating: 0, count: n)
        a.withUnsafeBufferPointer { a in
            ata.withUnsafeMutableBufferPointer { ata in
                atb.withUnsafeMutableBufferPointer { atb in
                    for r in 0..<rows {
                        let row = a.baseAddress! + r * n
                        for i in 0..<n {
                            let v = row[i]
                            guard v != 0 else { continue }
                            let out = ata.baseAddress! + i * n
                            for j in i..<n { out[j] += v * row[j] }
                            atb[i] += v * b[r]
                        }
                    }
                    for i in 0..<n { for j in 0..<i { ata[i * n + j] = ata[j * n + i] } }
                }
            }
        }
        return (ata, atb)
    }

    /// Row `row` of the n × n matrix `m` (row-major) dotted with `x`.
    static func dotRows(_ m: [Double], row: Int, _ x: [Double], n: Int) -> Double {
        m.withUnsafeBufferPointer { m in
            x.withUnsafeBufferPointer { x in dot(m.baseAddress! + row * n, x.baseAddress!, n) }
        }
    }

    /// Σ a[i] · b[i] over n elements, four partial sums (Swift keeps a scalar floating-point
    /// reduction in order and so will not vectorise it).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var sum = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 4 <= n {
            sum +=
                UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Double>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Double>.self)
            i += 4
        }
        var total = sum.sum()
        while i < n {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// Σ a[i] · b[i] over n single-precision elements, accumulated in eight lanes.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            sum +=
                UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = sum.sum()
        while i < n {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }
}

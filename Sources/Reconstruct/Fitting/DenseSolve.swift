import CBLAS

/// Small dense linear algebra for the fitting steps: the systems are at most a few hundred
/// unknowns (100 identity modes, 53 expressions), so plain Cholesky on the normal equations is
/// exact enough, deterministic, and far below a millisecond.
enum DenseSolve {
    /// Solves A x = b for symmetric positive definite A (n × n, row-major) by Cholesky.
    /// Returns nil when A is not positive definite.
    static func choleskySolve(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        var l = a
        var x = b
        let ok = l.withUnsafeMutableBufferPointer { l -> Bool in
            let base = l.baseAddress!
            for j in 0..<n {
                // Row dot products through BLAS: Swift does not vectorise a floating-point reduction.
                let d = l[j * n + j] - cblas_ddot(Int32(j), base + j * n, 1, base + j * n, 1)
                guard d > 0 else { return false }
                let djj = d.squareRoot()
                l[j * n + j] = djj
                for i in (j + 1)..<max(j + 1, n) {
                    let s = l[i * n + j] - cblas_ddot(Int32(j), base + i * n, 1, base + j * n, 1)
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

    /// AᵀA and Aᵀb for A with `rows` rows and `n` columns (row-major), by OpenBLAS (dsyrk, dgemv).
    static func normalEquations(_ a: [Double], _ b: [Double], rows: Int, n: Int) -> (ata: [Double], atb: [Double]) {
        var ata = [Double](repeating: 0, count: n * n)
        var atb = [Double](repeating: 0, count: n)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(rows), 1, a, Int32(n), 0, &ata, Int32(n))
        for i in 0..<n { for j in 0..<i { ata[i * n + j] = ata[j * n + i] } }
        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(n), 1, a, Int32(n), b, 1, 0, &atb, 1)
        return (ata, atb)
    }
}

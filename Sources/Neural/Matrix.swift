import CBLAS
import Foundation

/// The engine's one matrix product, C = α·op(A)·op(B) + β·C (row-major, op = optional transpose),
/// over OpenBLAS's `cblas_sgemm`.
///
/// Threading is ours, not OpenBLAS's: its pool is set to one thread and large products are split
/// by rows of C into two halves run side by side. OpenBLAS's own pool hands work off with spin
/// waits and stops its workers in a fork handler — a threaded call racing a `fork` elsewhere in the
/// process (a test spawning a tool) once hung for good (docs/benchmarks.md, issue 4). Two
/// single-threaded calls on disjoint rows need neither.
enum Matrix {
    /// Products below this many multiply–adds run on one core: splitting costs more than it saves.
    static let splitThreshold = 1 << 21

    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// `parallel: false` keeps the product on the calling thread (for callers already running on
    /// both cores).
    static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true
    ) {
        _ = singleThreaded
        guard m > 0, n > 0 else { return }
        let operands = Operands(
            transposeA: transposeA, transposeB: transposeB, n: n, k: k, alpha: alpha, a: a, lda: lda,
            b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        guard parallel, m >= 2, m * n * k >= splitThreshold else { return operands.rows(0..<m) }
        DispatchQueue.concurrentPerform(iterations: 2) { part in operands.rows(part == 0 ? 0..<(m / 2) : (m / 2)..<m) }
    }
}

/// One product's operands, shared by its two halves (they write disjoint rows of C).
private struct Operands: @unchecked Sendable {
    let transposeA: Bool, transposeB: Bool
    let n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int

    /// Rows `range` of C. Row r of op(A) starts at a + r·lda, or at column r when A is transposed.
    func rows(_ range: Range<Int>) {
        let aStart = transposeA ? a + range.lowerBound : a + range.lowerBound * lda
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(range.count), Int32(n), Int32(k), alpha, aStart, Int32(lda), b, Int32(ldb), beta,
            c + range.lowerBound * ldc, Int32(ldc))
    }
}

/// The engine's matrix product for callers outside it (benchmarks): C = A·B, row-major, with A
/// m × k and B k × n, on the same two-core path the layers use.
public enum MatrixProduct {
    public static func multiply(m: Int, n: Int, k: Int, a: [Float], b: [Float], into c: inout [Float]) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "matrix sizes")
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    Matrix.multiply(
                        m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!,
                        ldc: n)
                }
            }
        }
    }
}

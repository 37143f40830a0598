import Testing

@testable import Neural

@Suite struct MatrixTests {
    /// Every transpose combination, below and above the size where the product is split over two
    /// cores, against a plain triple loop in double precision.
    @Test(arguments: [(3, 5, 4), (130, 140, 150)])
    func productMatchesATripleLoop(m: Int, n: Int, k: Int) {
        var state: UInt64 = 12345
        func random() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = (0..<(m * k)).map { _ in random() }
            let b = (0..<(k * n)).map { _ in random() }
            var c = (0..<(m * n)).map { _ in random() }
            let original = c
            // op(A) is m × k: stored k × m when transposed.
            let lda = ta ? m : k
            let ldb = tb ? k : n
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        Matrix.multiply(
                            transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a: pa.baseAddress!, lda: lda,
                            b: pb.baseAddress!, ldb: ldb, beta: 2, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k {
                        let x = Double(ta ? a[p * lda + i] : a[i * lda + p])
                        let y = Double(tb ? b[j * ldb + p] : b[p * ldb + j])
                        sum += x * y
                    }
                    worst = max(worst, abs(0.5 * sum + 2 * Double(original[i * n + j]) - Double(c[i * n + j])))
                }
            }
            #expect(worst < 1e-4 * Double(k), "transposes \(ta), \(tb): worst error \(worst)")
        }
    }
}

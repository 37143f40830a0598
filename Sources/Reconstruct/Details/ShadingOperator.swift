import Foundation

/// The normal-equations operator of a `ShadingSystem`, applied without forming a matrix: each
/// product is two passes over the grid (differences, then their transposes), each split into two
/// bands of rows for the two cores. Every output texel is written by one band, so results do not
/// depend on scheduling.
struct ShadingOperator {
    let system: ShadingSystem
    let smoothness: Float
    let magnitude: Float

    private var n: Int { system.size }

    /// Aᵀ W A δ + λs L δ + λm δ.
    func apply(_ delta: [Float]) -> [Float] {
        let count = n * n
        var qx = [Float](repeating: 0, count: count)
        var qy = [Float](repeating: 0, count: count)
        qx.withUnsafeMutableBufferPointer { qxp in
            qy.withUnsafeMutableBufferPointer { qyp in
                let sx = SharedFloats(base: qxp.baseAddress!)
                let sy = SharedFloats(base: qyp.baseAddress!)
                forBands { rows in
                    for y in rows {
                        for x in 0..<n {
                            let i = y * n + x
                            let w = system.weights[i]
                            guard w > 0 else { continue }
                            let e =
                                w
                                * (system.cx[i] * difference(delta, x, stride: 1, at: i)
                                    + system.cy[i] * difference(delta, y, stride: n, at: i))
                            sx[i] = system.cx[i] * e
                            sy[i] = system.cy[i] * e
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: count)
        let (px, py) = (qx, qy)
        out.withUnsafeMutableBufferPointer { outp in
            let shared = SharedFloats(base: outp.baseAddress!)
            forBands { rows in
                for y in rows {
                    for x in 0..<n {
                        let i = y * n + x
                        shared[i] =
                            transposedDifference(px, x, stride: 1, at: i)
                            + transposedDifference(py, y, stride: n, at: i)
                            + smoothness * laplacian(delta, x, y, at: i) + magnitude * delta[i]
                    }
                }
            }
        }
        return out
    }

    /// λs L d + λm d.
    func regularisation(_ d: [Float]) -> [Float] {
        (0..<(n * n)).map { i in smoothness * laplacian(d, i % n, i / n, at: i) + magnitude * d[i] }
    }

    /// Aᵀ W r.
    func dataRightHandSide() -> [Float] {
        let s = system
        let qx = (0..<(n * n)).map { s.weights[$0] * s.cx[$0] * s.residuals[$0] }
        let qy = (0..<(n * n)).map { s.weights[$0] * s.cy[$0] * s.residuals[$0] }
        return (0..<(n * n)).map { i in
            transposedDifference(qx, i % n, stride: 1, at: i) + transposedDifference(qy, i / n, stride: n, at: i)
        }
    }

    /// The operator's diagonal, with the data part of interior texels (its border rows, which
    /// use one-sided differences, are left out: this only preconditions).
    func diagonal() -> [Float] {
        let s = system
        return (0..<(n * n)).map { i in
            let x = i % n
            let y = i / n
            var d: Float = 0
            var neighbours: Float = 0
            for (j, inside, horizontal) in [
                (i - 1, x > 0, true), (i + 1, x < n - 1, true), (i - n, y > 0, false), (i + n, y < n - 1, false),
            ] where inside {
                let c = horizontal ? s.cx[j] : s.cy[j]
                d += 0.25 * s.weights[j] * c * c
                neighbours += 1
            }
            return d + smoothness * neighbours + magnitude
        }
    }

    /// Central difference along a line (one-sided at its ends) of the line coordinate k.
    @inline(__always)
    private func difference(_ v: [Float], _ k: Int, stride: Int, at i: Int) -> Float {
        if k == 0 { return v[i + stride] - v[i] }
        if k == n - 1 { return v[i] - v[i - stride] }
        return 0.5 * (v[i + stride] - v[i - stride])
    }

    /// The transpose of `difference` applied to q, at line coordinate k.
    @inline(__always)
    private func transposedDifference(_ q: [Float], _ k: Int, stride: Int, at i: Int) -> Float {
        var t: Float = 0
        if k - 1 >= 1 { t += 0.5 * q[i - stride] }
        if k + 1 <= n - 2 { t -= 0.5 * q[i + stride] }
        if k == 0 { t -= q[i] }
        if k == 1 { t += q[i - stride] }
        if k == n - 1 { t += q[i] }
        if k == n - 2 { t -= q[i + stride] }
        return t
    }

    /// Σ over 4-neighbours inside the grid of (v_i − v_j).
    @inline(__always)
    private func laplacian(_ v: [Float], _ x: Int, _ y: Int, at i: Int) -> Float {
        var sum: Float = 0
        if x > 0 { sum += v[i] - v[i - 1] }
        if x < n - 1 { sum += v[i] - v[i + 1] }
        if y > 0 { sum += v[i] - v[i - n] }
        if y < n - 1 { sum += v[i] - v[i + n] }
        return sum
    }

    private func forBands(_ body: @Sendable (Range<Int>) -> Void) {
        let bands = n >= 128 ? 2 : 1
        DispatchQueue.concurrentPerform(iterations: bands) { band in body((band * n / bands)..<((band + 1) * n / bands))
        }
    }
}

/// A float array's storage written by the bands of `ShadingOperator.forBands`: each texel by one
/// band only, inside the caller's `withUnsafeMutableBufferPointer`.
private struct SharedFloats: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    subscript(i: Int) -> Float {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

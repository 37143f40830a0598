/// The similarity transform (rotation, uniform scale, translation) that best maps one point set
/// onto another in the least-squares sense, by Horn's closed-form quaternion method (Horn 1987,
/// "Closed-form solution of absolute orientation using unit quaternions"; the scale is Umeyama's,
/// 1991, which is the asymmetric least-squares one).
///
/// Face-reconstruction benchmarks score shape after this alignment (NoW, Feng et al. 2018): a single
/// orthographic view cannot tell a face's absolute size, depth offset or the split of head pose
/// between camera and shape, so unaligned errors mostly measure those.
public struct SimilarityTransform: Sendable {
    /// Rows of the rotation.
    public let rotation: [SIMD3<Double>]
    public let scale: Double
    public let translation: SIMD3<Double>

    public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> {
        scale * SIMD3((rotation[0] * p).sum(), (rotation[1] * p).sum(), (rotation[2] * p).sum()) + translation
    }

    /// The transform minimising Σ ‖T(sourceᵢ) − targetᵢ‖². The sets must have the same count.
    public init(aligning source: [SIMD3<Double>], to target: [SIMD3<Double>]) {
        precondition(source.count == target.count && !source.isEmpty)
        let n = Double(source.count)
        let cs = source.reduce(.zero, +) / n
        let ct = target.reduce(.zero, +) / n
        // S[a][b] = Σ (s − s̄)ₐ (t − t̄)_b
        var s = [SIMD3<Double>](repeating: .zero, count: 3)
        var spread = 0.0
        for (p, q) in zip(source, target) {
            let a = p - cs
            let b = q - ct
            s[0] += a.x * b
            s[1] += a.y * b
            s[2] += a.z * b
            spread += (a * a).sum()
        }
        let (xx, xy, xz) = (s[0].x, s[0].y, s[0].z)
        let (yx, yy, yz) = (s[1].x, s[1].y, s[1].z)
        let (zx, zy, zz) = (s[2].x, s[2].y, s[2].z)
        let horn: [Double] = [
            xx + yy + zz, yz - zy, zx - xz, xy - yx,
            yz - zy, xx - yy - zz, xy + yx, zx + xz,
            zx - xz, xy + yx, -xx + yy - zz, yz + zy,
            xy - yx, zx + xz, yz + zy, -xx - yy + zz,
        ]
        // The unit quaternion maximising qᵀ N q is N's eigenvector of the largest eigenvalue.
        let (values, vectors) = symmetricEigen(horn, n: 4)
        let top = values.indices.max { values[$0] < values[$1] }!
        let (w, x, y, z) = (vectors[top * 4], vectors[top * 4 + 1], vectors[top * 4 + 2], vectors[top * 4 + 3])
        let r: [SIMD3<Double>] = [
            SIMD3(w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)),
            SIMD3(2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)),
            SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z),
        ]
        rotation = r
        // Umeyama's scale: Σ (R a) · b / Σ ‖a‖².
        var dot = 0.0
        for (p, q) in zip(source, target) {
            let a = p - cs
            dot += (SIMD3((r[0] * a).sum(), (r[1] * a).sum(), (r[2] * a).sum()) * (q - ct)).sum()
        }
        scale = spread > 0 ? dot / spread : 1
        translation = ct - scale * SIMD3((r[0] * cs).sum(), (r[1] * cs).sum(), (r[2] * cs).sum())
    }
}

/// Eigenvalues and unit eigenvectors (row i of `vectors` belongs to value i) of a small symmetric
/// matrix (n × n, row-major) by cyclic Jacobi rotations: robust for repeated eigenvalues and exact
/// to round-off, which is all a 4 × 4 alignment needs.
func symmetricEigen(_ matrix: [Double], n: Int, sweeps: Int = 50) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<sweeps {
        var off = 0.0
        for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
        if off < 1e-30 { break }
        for p in 0..<n {
            for q in (p + 1)..<max(p + 1, n) where a[p * n + q] != 0 {
                let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot()
                let s = t * c
                for k in 0..<n {
                    let akp = a[k * n + p]
                    let akq = a[k * n + q]
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {
                    let apk = a[p * n + k]
                    let aqk = a[q * n + k]
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let vpk = v[p * n + k]
                    let vqk = v[q * n + k]
                    v[p * n + k] = c * vpk - s * vqk
                    v[q * n + k] = s * vpk + c * vqk
                }
            }
        }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
}

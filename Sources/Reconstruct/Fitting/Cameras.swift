import Foundation

/// A general affine camera: image = P · [X, Y, Z, 1]ᵀ with P a 2 × 4 matrix, mapping model
/// millimetres straight to photo pixels (x right, y down, DESIGN.md §3).
public struct AffineCamera: Sendable, Equatable {
    /// Rows of P, each [p0, p1, p2, p3].
    public var row0: SIMD4<Double>
    public var row1: SIMD4<Double>

    public func project(_ p: SIMD3<Double>) -> SIMD2<Double> {
        let h = SIMD4(p.x, p.y, p.z, 1)
        return SIMD2((row0 * h).sum(), (row1 * h).sum())
    }

    /// The nearest scaled orthographic camera: the 2 × 3 part, with the image's y flipped to
    /// point up, is replaced by its polar factor (the closest matrix with orthonormal rows) times
    /// the mean of its two singular values.
    public func scaledOrthographic() -> ScaledOrthographicCamera {
        let a = SIMD3(row0.x, row0.y, row0.z)
        let b = -SIMD3(row1.x, row1.y, row1.z)
        // M Mᵀ = [[aa, ab], [ab, bb]]; its eigen-decomposition gives M's singular values and
        // (M Mᵀ)^(−1/2), so the polar factor is (M Mᵀ)^(−1/2) M.
        let aa = (a * a).sum()
        let bb = (b * b).sum()
        let ab = (a * b).sum()
        let mean = (aa + bb) / 2
        let diff = (aa - bb) / 2
        let root = (diff * diff + ab * ab).squareRoot()
        let l1 = mean + root
        let l2 = max(mean - root, 1e-300)
        let theta = 0.5 * atan2(2 * ab, aa - bb)
        let (c, s) = (cos(theta), sin(theta))
        let i1 = 1 / l1.squareRoot()
        let i2 = 1 / l2.squareRoot()
        // (M Mᵀ)^(−1/2) = U diag(i1, i2) Uᵀ with U = [[c, −s], [s, c]].
        let m00 = c * c * i1 + s * s * i2
        let m11 = s * s * i1 + c * c * i2
        let m01 = c * s * (i1 - i2)
        // Guard against round-off: re-orthonormalise.
        let rotation = ScaledOrthographicCamera.orthonormalRows(m00 * a + m01 * b, m01 * a + m11 * b)
        let scale = (l1.squareRoot() + l2.squareRoot()) / 2
        return ScaledOrthographicCamera(rotation: rotation, scale: scale, translation: SIMD2(row0.w, row1.w))
    }
}

/// A scaled orthographic (weak perspective) camera:
///
///     image x = s · (R X)ₓ + tₓ,   image y = t_y − s · (R X)_y,   depth = s · (R X)_z
///
/// R rotates model axes into camera axes (x right, y up, z toward the viewer), s is pixels per
/// millimetre, t the image position of the model origin in pixels. Larger depth is nearer.
public struct ScaledOrthographicCamera: Sendable, Equatable {
    /// Rows of R.
    public var rotation: [SIMD3<Double>]
    public var scale: Double
    public var translation: SIMD2<Double>

    public init(rotation: [SIMD3<Double>], scale: Double, translation: SIMD2<Double>) {
        precondition(rotation.count == 3)
        self.rotation = rotation
        self.scale = scale
        self.translation = translation
    }

    /// A camera from yaw (about y, positive turns the face to the subject's left, i.e. toward
    /// image right), pitch (about x, positive tilts the chin up) and roll (about z), in degrees.
    public init(yaw: Double, pitch: Double, roll: Double, scale: Double, translation: SIMD2<Double>) {
        let (y, p, r) = (yaw * .pi / 180, pitch * .pi / 180, roll * .pi / 180)
        let ry: [SIMD3<Double>] = [SIMD3(cos(y), 0, sin(y)), SIMD3(0, 1, 0), SIMD3(-sin(y), 0, cos(y))]
        let rx: [SIMD3<Double>] = [SIMD3(1, 0, 0), SIMD3(0, cos(p), -sin(p)), SIMD3(0, sin(p), cos(p))]
        let rz: [SIMD3<Double>] = [SIMD3(cos(r), -sin(r), 0), SIMD3(sin(r), cos(r), 0), SIMD3(0, 0, 1)]
        self.init(rotation: Self.multiply(rz, Self.multiply(rx, ry)), scale: scale, translation: translation)
    }

    public func camera(_ p: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((rotation[0] * p).sum(), (rotation[1] * p).sum(), (rotation[2] * p).sum())
    }

    public func project(_ p: SIMD3<Double>) -> SIMD2<Double> {
        let c = camera(p)
        return SIMD2(scale * c.x + translation.x, translation.y - scale * c.y)
    }

    public func depth(_ p: SIMD3<Double>) -> Double { scale * (rotation[2] * p).sum() }

    /// The same camera as a general affine one.
    public var affine: AffineCamera {
        AffineCamera(row0: SIMD4(scale * rotation[0], translation.x), row1: SIMD4(-scale * rotation[1], translation.y))
    }

    /// Yaw, pitch and roll in degrees (the inverse of the Euler initialiser, away from gimbal lock).
    public var eulerDegrees: (yaw: Double, pitch: Double, roll: Double) {
        // R = Rz(roll) · Rx(pitch) · Ry(yaw): its third row is (−cos p sin y, sin p, cos p cos y) and
        // the y components of its first two rows are (−sin r cos p, cos r cos p).
        let r = rotation
        let pitch = asin(max(-1, min(1, r[2].y)))
        let yaw = atan2(-r[2].x, r[2].z)
        let roll = atan2(-r[0].y, r[1].y)
        return (yaw * 180 / .pi, pitch * 180 / .pi, roll * 180 / .pi)
    }

    /// A rotation's rows from two nearly orthonormal ones (Gram–Schmidt; the third is their cross product).
    static func orthonormalRows(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> [SIMD3<Double>] {
        let r0 = a / (a * a).sum().squareRoot()
        var r1 = b - (r0 * b).sum() * r0
        r1 /= (r1 * r1).sum().squareRoot()
        return [r0, r1, SIMD3(r0.y * r1.z - r0.z * r1.y, r0.z * r1.x - r0.x * r1.z, r0.x * r1.y - r0.y * r1.x)]
    }

    static func multiply(_ a: [SIMD3<Double>], _ b: [SIMD3<Double>]) -> [SIMD3<Double>] {
        let columns = (0..<3).map { j in SIMD3(b[0][j], b[1][j], b[2][j]) }
        return a.map { row in SIMD3((row * columns[0]).sum(), (row * columns[1]).sum(), (row * columns[2]).sum()) }
    }
}

/// The affine camera that best maps `points` (model, mm) onto `pixels` by the Gold Standard
/// algorithm for affine cameras (Hartley & Zisserman, 2nd ed., algorithm 7.2): normalise both
/// sets (centroid to the origin, RMS distance √2 in the image and √3 in space), solve the two
/// decoupled linear least-squares problems for P's rows, and undo the normalisations. For an
/// affine camera this linear solution minimises the geometric (reprojection) error.
public func estimateAffineCamera(points: [SIMD3<Double>], pixels: [SIMD2<Double>]) -> AffineCamera? {
    let n = points.count
    guard n >= 4, pixels.count == n else { return nil }
    let c2 = pixels.reduce(.zero, +) / Double(n)
    let c3 = points.reduce(.zero, +) / Double(n)
    let rms2 = (pixels.map { (($0 - c2) * ($0 - c2)).sum() }.reduce(0, +) / Double(n)).squareRoot()
    let rms3 = (points.map { (($0 - c3) * ($0 - c3)).sum() }.reduce(0, +) / Double(n)).squareRoot()
    guard rms2 > 0, rms3 > 0 else { return nil }
    let s2 = 2.0.squareRoot() / rms2
    let s3 = 3.0.squareRoot() / rms3
    var a = [Double](repeating: 0, count: n * 4)
    var bx = [Double](repeating: 0, count: n)
    var by = bx
    for i in 0..<n {
        let p = (points[i] - c3) * s3
        let q = (pixels[i] - c2) * s2
        a[4 * i] = p.x
        a[4 * i + 1] = p.y
        a[4 * i + 2] = p.z
        a[4 * i + 3] = 1
        bx[i] = q.x
        by[i] = q.y
    }
    let nx = DenseSolve.normalEquations(a, bx, rows: n, n: 4)
    let ny = DenseSolve.normalEquations(a, by, rows: n, n: 4)
    guard let px = DenseSolve.choleskySolve(nx.ata, nx.atb, n: 4),
        let py = DenseSolve.choleskySolve(ny.ata, ny.atb, n: 4)
    else { return nil }
    // Denormalise: P = T⁻¹ P̃ U with T = [s2 I, −s2 c2], U = [s3 I, −s3 c3].
    func row(_ p: [Double], _ centre: Double) -> SIMD4<Double> {
        let m = SIMD3(p[0], p[1], p[2]) * (s3 / s2)
        return SIMD4(m, (p[3] - s3 * (SIMD3(p[0], p[1], p[2]) * c3).sum()) / s2 + centre)
    }
    return AffineCamera(row0: row(px, c2.x), row1: row(py, c2.y))
}

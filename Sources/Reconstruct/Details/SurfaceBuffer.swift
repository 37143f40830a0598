import Formats

/// The proxy surface sampled on the face UV tile's texel grid (DESIGN.md §3 texel convention), in
/// the camera frame (x right, y up, z toward the viewer): what the detail stage needs to relate a
/// displacement map to shading.
///
/// Per covered texel: the interpolated unit vertex normal N, and the two tangent vectors `slopeX`
/// and `slopeY` that turn the map's texel differences into the surface gradient of the
/// displacement: ∇d = slopeX · ∂d/∂x + slopeY · ∂d/∂y (∂d/∂x in mm per texel, x right, y down).
/// They are the triangle's metric inverse applied to ∂P/∂u, ∂P/∂v, as in `NormalMapBaker`, so the
/// displaced surface P + d·N has the normal N − ∇d to first order (the change of N across a texel
/// neglected). Texels no face-tile triangle covers have `covered` false and zero vectors.
public struct SurfaceBuffer: Sendable {
    public let size: Int
    public var normals: [SIMD3<Float>]
    public var slopeX: [SIMD3<Float>]
    public var slopeY: [SIMD3<Float>]
    public var covered: [Bool]

    /// Rasterises `mesh` (positions in mm, UVs) at size × size texels, rotating vectors into the
    /// camera frame by `rotation` (rows of R).
    public init(mesh: Mesh, rotation: [SIMD3<Double>], size: Int) {
        self.size = size
        let count = size * size
        normals = Array(repeating: .zero, count: count)
        slopeX = Array(repeating: .zero, count: count)
        slopeY = Array(repeating: .zero, count: count)
        covered = Array(repeating: false, count: count)
        let r = rotation.map { SIMD3<Float>($0) }
        func toCamera(_ v: SIMD3<Float>) -> SIMD3<Float> { SIMD3(dot(r[0], v), dot(r[1], v), dot(r[2], v)) }
        let vertexNormals = mesh.withGeneratedNormals().normals.map(toCamera)
        let positions = mesh.positions.map(toCamera)
        let side = Float(size)
        for t in triangulatedCorners(polygonSizes: mesh.faceSizes) {
            let c = [Int(t.x), Int(t.y), Int(t.z)]
            let uv = c.map { mesh.uvs[Int(mesh.faceUVIndices[$0])] }
            guard uv.allSatisfy({ $0.x >= 0 && $0.x <= 1 && $0.y >= 0 && $0.y <= 1 }) else { continue }
            let v = c.map { Int(mesh.faceVertexIndices[$0]) }
            guard let (pu, pv) = uvDerivatives(positions: v.map { positions[$0] }, uvs: uv) else { continue }
            let guu = dot(pu, pu)
            let guv = dot(pu, pv)
            let gvv = dot(pv, pv)
            let det = guu * gvv - guv * guv
            guard det > 0 else { continue }
            // Gradient of d over the surface from (d_u, d_v): (g^uu d_u + g^uv d_v) P_u + (g^uv d_u + g^vv d_v) P_v,
            // with d_u = side · d_x and d_v = −side · d_y (texel y runs down, v up).
            let gradU = (gvv * pu - guv * pv) / det
            let gradV = (guu * pv - guv * pu) / det
            let sx = side * gradU
            let sy = -side * gradV
            let n = v.map { vertexNormals[$0] }
            let texel = uv.map { SIMD2(Double($0.x) * Double(size), (1 - Double($0.y)) * Double(size)) }
            Rasterizer.fill(texel[0], texel[1], texel[2], width: size, height: size) { x, y, w0, w1, w2 in
                let i = y * size + x
                normals[i] = normalized(Float(w0) * n[0] + Float(w1) * n[1] + Float(w2) * n[2])
                slopeX[i] = sx
                slopeY[i] = sy
                covered[i] = true
            }
        }
    }

    /// The normal at texel i of the surface displaced by `displacement` (mm, size × size), from its
    /// central differences (one-sided at the grid's and the covered region's edges).
    public func displacedNormal(_ i: Int, _ displacement: [Float]) -> SIMD3<Float> {
        let (dx, dy) = centralDifferences(displacement, i)
        return normalized(normals[i] - dx * slopeX[i] - dy * slopeY[i])
    }

    /// ∂d/∂x and ∂d/∂y at texel i (mm per texel), central where both neighbours are covered.
    func centralDifferences(_ d: [Float], _ i: Int) -> (Float, Float) {
        let x = i % size
        let y = i / size
        func diff(_ back: Int?, _ ahead: Int?) -> Float {
            switch (back, ahead) {
            case (let b?, let a?): (d[a] - d[b]) / 2
            case (let b?, nil): d[i] - d[b]
            case (nil, let a?): d[a] - d[i]
            default: 0
            }
        }
        let left = x > 0 && covered[i - 1] ? i - 1 : nil
        let right = x < size - 1 && covered[i + 1] ? i + 1 : nil
        let up = y > 0 && covered[i - size] ? i - size : nil
        let down = y < size - 1 && covered[i + size] ? i + size : nil
        return (diff(left, right), diff(up, down))
    }
}

import Formats
import Foundation

/// Tangent frames per UV vertex, built the way MikkTSpace builds them (Mikkelsen 2008): each
/// triangle's tangent is the direction of increasing u on it, from its position and UV edges;
/// at each corner it is projected onto the plane of the vertex normal, normalised and added with
/// the corner's angle as weight; the sum is normalised. The handedness sign says whether the
/// direction of increasing v is N × T (+1) or its opposite (−1). Frames are kept per UV index,
/// so a UV seam splits them as a renderer splits its vertices. Not reproduced: MikkTSpace's
/// special cases for degenerate UVs and its split of vertices whose corners disagree in sign.
struct TangentFrames {
    struct Frame {
        var normal: SIMD3<Float>
        var tangent: SIMD3<Float>
        var sign: Float
    }

    private var frames: [Frame]
    private let cornerUV: [UInt32]

    init(_ mesh: Mesh) {
        let normals = mesh.withGeneratedNormals().normals
        var tangentSum = [SIMD3<Float>](repeating: .zero, count: mesh.uvs.count)
        var signSum = [Float](repeating: 0, count: mesh.uvs.count)
        var normalOf = [SIMD3<Float>](repeating: SIMD3(0, 0, 1), count: mesh.uvs.count)
        for t in triangulatedCorners(polygonSizes: mesh.faceSizes) {
            let c = [Int(t.x), Int(t.y), Int(t.z)]
            let p = c.map { mesh.positions[Int(mesh.faceVertexIndices[$0])] }
            let uv = c.map { mesh.uvs[Int(mesh.faceUVIndices[$0])] }
            guard let (tu, tv) = uvDerivatives(positions: p, uvs: uv) else { continue }
            for k in 0..<3 {
                let index = Int(mesh.faceUVIndices[c[k]])
                let n = normals[Int(mesh.faceVertexIndices[c[k]])]
                normalOf[index] = n
                let a = p[(k + 1) % 3] - p[k]
                let b = p[(k + 2) % 3] - p[k]
                let angle = acosf(max(-1, min(1, dot(normalized(a), normalized(b)))))
                tangentSum[index] += angle * normalized(tu - dot(tu, n) * n)
                signSum[index] += angle * (dot(cross(n, tu), tv) < 0 ? -1 : 1)
            }
        }
        frames = mesh.uvs.indices.map { i in
            let n = normalOf[i]
            var t = tangentSum[i] - dot(tangentSum[i], n) * n
            if dot(t, t) == 0 { t = abs(n.x) < 0.9 ? cross(SIMD3(0, 1, 0), n) : cross(n, SIMD3(0, 0, 1)) }
            return Frame(normal: n, tangent: normalized(t), sign: signSum[i] < 0 ? -1 : 1)
        }
        cornerUV = mesh.faceUVIndices
    }

    func frame(ofCorner corner: Int) -> Frame { frames[Int(cornerUV[corner])] }
}

/// ∂P/∂u and ∂P/∂v of a triangle (position units per UV unit): its position edges solved against
/// its UV edges. nil when the triangle's UVs are degenerate.
func uvDerivatives(positions p: [SIMD3<Float>], uvs uv: [SIMD2<Float>]) -> (u: SIMD3<Float>, v: SIMD3<Float>)? {
    let (e1, e2) = (p[1] - p[0], p[2] - p[0])
    let (d1, d2) = (uv[1] - uv[0], uv[2] - uv[0])
    let det = d1.x * d2.y - d2.x * d1.y
    guard det != 0 else { return nil }
    return ((e1 * d2.y - e2 * d1.y) / det, (e2 * d1.x - e1 * d2.x) / det)
}

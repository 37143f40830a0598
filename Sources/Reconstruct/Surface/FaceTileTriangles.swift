import Formats

extension Mesh {
    /// The triangles (polygons fanned) whose three UVs lie in the face tile [0, 1]²: each one's
    /// corner positions (the mesh's unit) and UVs. What the measures over the face tile walk.
    func faceTileTriangles() -> [(positions: [SIMD3<Double>], uvs: [SIMD2<Double>])] {
        triangulatedCorners(polygonSizes: faceSizes).compactMap { t in
            let corners = [Int(t.x), Int(t.y), Int(t.z)]
            let uv = corners.map { SIMD2<Double>(uvs[Int(faceUVIndices[$0])]) }
            guard uv.allSatisfy({ $0.x >= 0 && $0.x <= 1 && $0.y >= 0 && $0.y <= 1 }) else { return nil }
            return (corners.map { SIMD3<Double>(positions[Int(faceVertexIndices[$0])]) }, uv)
        }
    }
}

/// Twice the signed area of a 2-D triangle (counter-clockwise positive in a y-up frame).
func doubleSignedArea(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>) -> Double {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

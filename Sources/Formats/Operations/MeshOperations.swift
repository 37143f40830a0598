extension Mesh {
    /// The mesh with every quad split into two triangles along its shorter diagonal, which keeps
    /// the split closest to the surface a bilinear patch would have.
    public func triangulated() -> Mesh {
        guard faceSizes.contains(4) else { return self }
        var out = self
        out.faceSizes = []
        out.faceVertexIndices = []
        out.faceUVIndices = []
        out.faceMaterials = []
        let offsets = faceOffsets
        for f in faceSizes.indices {
            let corners = Array(offsets[f]..<offsets[f + 1])
            let triangles: [[Int]]
            if corners.count == 4 {
                let p = corners.map { positions[Int(faceVertexIndices[$0])] }
                let d02 = lengthSquared(p[2] - p[0])
                let d13 = lengthSquared(p[3] - p[1])
                triangles =
                    d02 <= d13
                    ? [[corners[0], corners[1], corners[2]], [corners[0], corners[2], corners[3]]]
                    : [[corners[0], corners[1], corners[3]], [corners[1], corners[2], corners[3]]]
            } else {
                triangles = [corners]
            }
            for triangle in triangles {
                out.faceSizes.append(3)
                out.faceVertexIndices += triangle.map { faceVertexIndices[$0] }
                if hasUVs { out.faceUVIndices += triangle.map { faceUVIndices[$0] } }
                if !faceMaterials.isEmpty { out.faceMaterials.append(faceMaterials[f]) }
            }
        }
        return out
    }

    /// The mesh with smooth per-position normals: each face's area-weighted normal summed over its
    /// corners, then normalised. Positions no face uses get +Z.
    public func withGeneratedNormals() -> Mesh {
        var sums = [SIMD3<Float>](repeating: .zero, count: positions.count)
        let offsets = faceOffsets
        for f in faceSizes.indices {
            let corners = offsets[f]..<offsets[f + 1]
            let p = corners.map { positions[Int(faceVertexIndices[$0])] }
            // Newell's method: twice the area-weighted normal, exact for planar polygons.
            var n = SIMD3<Float>.zero
            for i in p.indices {
                let a = p[i]
                let b = p[(i + 1) % p.count]
                n += SIMD3((a.y - b.y) * (a.z + b.z), (a.z - b.z) * (a.x + b.x), (a.x - b.x) * (a.y + b.y))
            }
            for corner in corners { sums[Int(faceVertexIndices[corner])] += n }
        }
        var out = self
        out.normals = sums.map { s in
            let length = norm(s)
            return length > 0 ? s / length : SIMD3(0, 0, 1)
        }
        return out
    }

    /// The mesh with its points mapped by `linear` (a 3×3 matrix as rows) and normals and tangents
    /// by its inverse transpose; winding reversed when it mirrors.
    func transformed(rows: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)) -> Mesh {
        func apply(_ v: SIMD3<Float>) -> SIMD3<Float> {
            SIMD3(dotProduct(rows.0, v), dotProduct(rows.1, v), dotProduct(rows.2, v))
        }
        var out = self
        out.positions = positions.map(apply)
        // Our axis changes are signed permutations: orthogonal, so the inverse transpose is itself.
        out.normals = normals.map(apply)
        out.tangents = tangents.map { t in
            let v = apply(SIMD3(t.x, t.y, t.z))
            return SIMD4(v.x, v.y, v.z, t.w)
        }
        let determinant = dotProduct(rows.0, crossProduct(rows.1, rows.2))
        if determinant < 0 {
            let offsets = faceOffsets
            for f in faceSizes.indices {
                out.faceVertexIndices[offsets[f]..<offsets[f + 1]].reverse()
                if hasUVs { out.faceUVIndices[offsets[f]..<offsets[f + 1]].reverse() }
            }
        }
        return out
    }
}

@inlinable func dotProduct(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { (a * b).sum() }
@inlinable func lengthSquared(_ a: SIMD3<Float>) -> Float { (a * a).sum() }
@inlinable func norm(_ a: SIMD3<Float>) -> Float { lengthSquared(a).squareRoot() }
@inlinable func crossProduct(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

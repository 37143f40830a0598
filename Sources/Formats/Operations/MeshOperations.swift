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
        out.faceSizes.reserveCapacity(2 * faceSizes.count)
        out.faceVertexIndices.reserveCapacity(2 * faceVertexIndices.count)
        if hasUVs { out.faceUVIndices.reserveCapacity(2 * faceUVIndices.count) }
        func corner(_ k: Int) {
            out.faceVertexIndices.append(faceVertexIndices[k])
            if hasUVs { out.faceUVIndices.append(faceUVIndices[k]) }
        }
        func triangle(_ a: Int, _ b: Int, _ c: Int, face f: Int) {
            out.faceSizes.append(3)
            corner(a)
            corner(b)
            corner(c)
            if !faceMaterials.isEmpty { out.faceMaterials.append(faceMaterials[f]) }
        }
        // Faces are built corner by corner, without arrays per face: a subdivided face is
        // 150,000 quads on its way to a glTF exporter.
        for f in faceSizes.indices {
            let c = offsets[f]
            switch offsets[f + 1] - c {
            case 4:
                let p = { (k: Int) in self.positions[Int(self.faceVertexIndices[c + k])] }
                if lengthSquared(p(2) - p(0)) <= lengthSquared(p(3) - p(1)) {
                    triangle(c, c + 1, c + 2, face: f)
                    triangle(c, c + 2, c + 3, face: f)
                } else {
                    triangle(c, c + 1, c + 3, face: f)
                    triangle(c + 1, c + 2, c + 3, face: f)
                }
            default:
                out.faceSizes.append(faceSizes[f])
                out.faceVertexIndices += faceVertexIndices[c..<offsets[f + 1]]
                if hasUVs { out.faceUVIndices += faceUVIndices[c..<offsets[f + 1]] }
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
            // Newell's method: twice the area-weighted normal, exact for planar polygons.
            var n = SIMD3<Float>.zero
            for i in corners {
                let a = positions[Int(faceVertexIndices[i])]
                let b = positions[Int(faceVertexIndices[i + 1 == corners.upperBound ? corners.lowerBound : i + 1])]
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
        out.morphTargets = morphTargets.map { target in
            var t = target.mapped(apply)
            t.normalDeltas = target.normalDeltas.map(apply)
            return t
        }
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

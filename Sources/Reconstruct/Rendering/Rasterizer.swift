/// A scan-converting triangle rasteriser shared by the depth pass, the texture unwrap and debug
/// overlays. Coordinates are pixels with the origin at the top-left corner (DESIGN.md §3); a pixel
/// is covered when its centre (x + 0.5, y + 0.5) lies inside the triangle or on its top or left
/// edge (the usual top-left rule, so a pixel on an edge shared by two triangles is drawn once).
public enum Rasterizer {
    /// Calls `body(x, y, w0, w1, w2)` for every covered pixel of the triangle a, b, c clipped to
    /// width × height, with barycentric weights of a, b and c at the pixel centre (they sum to 1).
    @inlinable
    public static func fill(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>, width: Int, height: Int,
                            _ body: (Int, Int, Double, Double, Double) -> Void) {
        let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
        guard area != 0, area.isFinite else { return }
        // Orient counter-clockwise in these y-down coordinates so inside means all edges ≥ 0.
        let (p, q, r) = area > 0 ? (a, b, c) : (a, c, b)
        let flipped = area < 0
        let inverse = 1 / abs(area)
        let x0 = max(0, Int((min(p.x, q.x, r.x) - 0.5).rounded(.up))), x1 = min(width - 1, Int((max(p.x, q.x, r.x) - 0.5).rounded(.down)))
        let y0 = max(0, Int((min(p.y, q.y, r.y) - 0.5).rounded(.up))), y1 = min(height - 1, Int((max(p.y, q.y, r.y) - 0.5).rounded(.down)))
        guard x0 <= x1, y0 <= y1 else { return }
        // Edge function of edge (u → v) at point s; top-left edges own their boundary pixels.
        @inline(__always) func edge(_ u: SIMD2<Double>, _ v: SIMD2<Double>, _ s: SIMD2<Double>) -> Double {
            (v.x - u.x) * (s.y - u.y) - (v.y - u.y) * (s.x - u.x)
        }
        @inline(__always) func ownsBoundary(_ u: SIMD2<Double>, _ v: SIMD2<Double>) -> Bool {
            let d = v - u
            return (d.y == 0 && d.x < 0) || d.y > 0
        }
        let owns = (ownsBoundary(q, r), ownsBoundary(r, p), ownsBoundary(p, q))
        let start = SIMD2(Double(x0) + 0.5, Double(y0) + 0.5)
        var row0 = edge(q, r, start), row1 = edge(r, p, start), row2 = edge(p, q, start)
        let dx0 = -(r.y - q.y), dx1 = -(p.y - r.y), dx2 = -(q.y - p.y)
        let dy0 = r.x - q.x, dy1 = p.x - r.x, dy2 = q.x - p.x
        for y in y0...y1 {
            var e0 = row0, e1 = row1, e2 = row2
            for x in x0...x1 {
                if (e0 > 0 || (e0 == 0 && owns.0)) && (e1 > 0 || (e1 == 0 && owns.1)) && (e2 > 0 || (e2 == 0 && owns.2)) {
                    let w0 = e0 * inverse, w1 = e1 * inverse, w2 = e2 * inverse
                    // w0 belongs to p, w1 to q, w2 to r; undo the reorientation for the caller.
                    if flipped { body(x, y, w0, w2, w1) } else { body(x, y, w0, w1, w2) }
                }
                e0 += dx0; e1 += dx1; e2 += dx2
            }
            row0 += dy0; row1 += dy1; row2 += dy2
        }
    }
}

/// Nearest-surface depth per pixel of a mesh seen through a camera (larger depth is nearer), the
/// visibility test of the unwrap and of overlays.
public struct DepthBuffer: Sendable {
    public let width: Int
    public let height: Int
    /// −∞ where no surface is.
    public private(set) var depth: [Float]

    /// Renders the triangles (vertex index triples) of vertices already projected to
    /// (x pixels, y pixels, depth).
    public init(width: Int, height: Int, projected: [SIMD3<Double>], triangles: [SIMD3<UInt32>]) {
        self.width = width
        self.height = height
        var depth = [Float](repeating: -.infinity, count: width * height)
        depth.withUnsafeMutableBufferPointer { buffer in
            for t in triangles {
                let a = projected[Int(t.x)], b = projected[Int(t.y)], c = projected[Int(t.z)]
                Rasterizer.fill(SIMD2(a.x, a.y), SIMD2(b.x, b.y), SIMD2(c.x, c.y), width: width, height: height) { x, y, w0, w1, w2 in
                    let z = Float(w0 * a.z + w1 * b.z + w2 * c.z)
                    let i = y * width + x
                    if z > buffer[i] { buffer[i] = z }
                }
            }
        }
        self.depth = depth
    }

    /// Depth at the pixel containing (x, y), or −∞ outside the image or the surface.
    @inlinable public func depth(at x: Double, _ y: Double) -> Float {
        let ix = Int(x.rounded(.down)), iy = Int(y.rounded(.down))
        guard ix >= 0, iy >= 0, ix < width, iy < height else { return -.infinity }
        return depth[iy * width + ix]
    }
}

/// The triangles of polygons with 3 or 4 corners (quads split along their 0–2 diagonal), as
/// corner indices into the polygon's flattened corner list, in polygon order.
public func triangulatedCorners(polygonSizes: [UInt8]) -> [SIMD3<UInt32>] {
    var out: [SIMD3<UInt32>] = []
    out.reserveCapacity(polygonSizes.count * 2)
    var corner: UInt32 = 0
    for size in polygonSizes {
        out.append(SIMD3(corner, corner + 1, corner + 2))
        if size == 4 { out.append(SIMD3(corner, corner + 2, corner + 3)) }
        corner += UInt32(size)
    }
    return out
}

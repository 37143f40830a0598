/// A scan-converting triangle rasteriser shared by the depth pass, the texture unwrap and debug
/// overlays. Coordinates are pixels with the origin at the top-left corner (DESIGN.md §3); a pixel
/// is covered when its centre (x + 0.5, y + 0.5) lies inside the triangle or on its top or left
/// edge (the usual top-left rule, so a pixel on an edge shared by two triangles is drawn once).
public enum Rasterizer {
    /// Calls `body(x, y, w0, w1, w2)` for every covered pixel of the triangle a, b, c clipped to
    /// width × height, with barycentric weights of a, b and c at the pixel centre (they sum to 1).
    @inlinable
    public static func fill(
        _ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>, width: Int, height: Int,
        _ body: (Int, Int, Double, Double, Double) -> Void
    ) {
        guard let triangle = RasterTriangle(a, b, c, width: width, rows: 0..<height) else { return }
        triangle.forEachSpan { y, first, last, weights in
            var w = weights
            for x in first...last {
                body(x, y, w.x, w.y, w.z)
                w += triangle.weightStepX
            }
        }
    }
}

/// A triangle set up for scan conversion: edge functions, their steps, and the top-left rule.
/// Both `Rasterizer.fill` and the texture unwrap's inner loop walk its spans, so the two agree on
/// which pixels a triangle covers.
public struct RasterTriangle {
    /// Change of the barycentric weights of a, b, c per pixel step in x and in y.
    public let weightStepX: SIMD3<Double>
    public let weightStepY: SIMD3<Double>
    @usableFromInline let x0: Int, x1: Int, y0: Int, y1: Int
    // Edge functions of the counter-clockwise edges (q→r, r→p, p→q) at the first pixel centre,
    // their steps, whether each owns its boundary pixels, and 1 / |2·area|.
    @usableFromInline let start: SIMD3<Double>, stepX: SIMD3<Double>, stepY: SIMD3<Double>
    @usableFromInline let owns: (Bool, Bool, Bool)
    @usableFromInline let inverse: Double
    @usableFromInline let flipped: Bool

    /// nil when the triangle is degenerate or covers no pixel centre of columns [0, width) and `rows`.
    @inlinable
    public init?(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>, width: Int, rows: Range<Int>) {
        let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
        guard area != 0, area.isFinite else { return nil }
        // Orient counter-clockwise in these y-down coordinates so inside means all edges ≥ 0.
        flipped = area < 0
        let (p, q, r) = flipped ? (a, c, b) : (a, b, c)
        inverse = 1 / abs(area)
        x0 = max(0, Int((min(p.x, q.x, r.x) - 0.5).rounded(.up)))
        x1 = min(width - 1, Int((max(p.x, q.x, r.x) - 0.5).rounded(.down)))
        y0 = max(rows.lowerBound, Int((min(p.y, q.y, r.y) - 0.5).rounded(.up)))
        y1 = min(rows.upperBound - 1, Int((max(p.y, q.y, r.y) - 0.5).rounded(.down)))
        guard x0 <= x1, y0 <= y1 else { return nil }
        func edge(_ u: SIMD2<Double>, _ v: SIMD2<Double>, _ s: SIMD2<Double>) -> Double {
            (v.x - u.x) * (s.y - u.y) - (v.y - u.y) * (s.x - u.x)
        }
        func ownsBoundary(_ u: SIMD2<Double>, _ v: SIMD2<Double>) -> Bool {
            let d = v - u
            return (d.y == 0 && d.x < 0) || d.y > 0
        }
        owns = (ownsBoundary(q, r), ownsBoundary(r, p), ownsBoundary(p, q))
        let s = SIMD2(Double(x0) + 0.5, Double(y0) + 0.5)
        start = SIMD3(edge(q, r, s), edge(r, p, s), edge(p, q, s))
        stepX = SIMD3(-(r.y - q.y), -(p.y - r.y), -(q.y - p.y))
        stepY = SIMD3(r.x - q.x, p.x - r.x, q.x - p.x)
        // Edge k's function is the weight of the corner opposite it; put them back in a, b, c order.
        let order: (SIMD3<Double>) -> SIMD3<Double> = { [flipped] e in flipped ? SIMD3(e.x, e.z, e.y) : e }
        weightStepX = order(stepX * inverse)
        weightStepY = order(stepY * inverse)
    }

    @inlinable func inside(_ e: SIMD3<Double>) -> Bool {
        (e.x > 0 || (e.x == 0 && owns.0)) && (e.y > 0 || (e.y == 0 && owns.1)) && (e.z > 0 || (e.z == 0 && owns.2))
    }

    /// Calls `body(y, first, last, weights)` for each row's run of covered pixels, with the
    /// barycentric weights of a, b, c at pixel (first, y). The run comes from solving each edge
    /// function (affine in x) for its zero, widened by round-off, then trimmed by the exact test.
    @inlinable
    public func forEachSpan(_ body: (Int, Int, Int, SIMD3<Double>) -> Void) {
        var row = start
        for y in y0...y1 {
            defer { row += stepY }
            var from = x0
            var to = x1
            for k in 0..<3 {
                let e = row[k]
                let d = stepX[k]
                if d > 0 {
                    from = max(from, x0 + Int((-e / d - 1e-7).rounded(.up)))
                } else if d < 0 {
                    to = min(to, x0 + Int((-e / d + 1e-7).rounded(.down)))
                } else if !(e > 0 || (e == 0 && (k == 0 ? owns.0 : k == 1 ? owns.1 : owns.2))) {
                    from = 1
                    to = 0
                }
            }
            func edges(at x: Int) -> SIMD3<Double> { row + Double(x - x0) * stepX }
            while from <= to && !inside(edges(at: from)) { from += 1 }
            while to >= from && !inside(edges(at: to)) { to -= 1 }
            guard from <= to else { continue }
            let e = edges(at: from) * inverse
            body(y, from, to, flipped ? SIMD3(e.x, e.z, e.y) : e)
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
                let a = projected[Int(t.x)]
                let b = projected[Int(t.y)]
                let c = projected[Int(t.z)]
                Rasterizer.fill(SIMD2(a.x, a.y), SIMD2(b.x, b.y), SIMD2(c.x, c.y), width: width, height: height) {
                    x, y, w0, w1, w2 in
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
        let ix = Int(x.rounded(.down))
        let iy = Int(y.rounded(.down))
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

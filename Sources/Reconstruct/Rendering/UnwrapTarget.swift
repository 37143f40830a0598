/// The per-texel work of the texture unwrap (see `TextureUnwrapper`), kept apart because it is the
/// unwrap's whole cost: inside a UV triangle the photo position, depth and facing are affine in the
/// texel position, so they are stepped along each span, with only the photo and depth-buffer reads
/// done per texel.
struct UnwrapTarget: @unchecked Sendable {
    /// The photo, one 0x00BBGGRR word per pixel.
    let src: UnsafeBufferPointer<UInt32>
    let width: Int, height: Int
    let zbuffer: UnsafeBufferPointer<Float>
    /// The texture, one 0xAABBGGRR word per texel (RGBA bytes, little-endian).
    let dst: UnsafeMutableBufferPointer<UInt32>
    let size: Int
    let tolerance: Float

    /// Rasterises texel triangle a, b, c (its `RasterTriangle` spans, as `Rasterizer.fill`) carrying
    /// attributes (photo x, photo y, depth, facing) given at its corners.
    func fill(
        _ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>, _ fa: SIMD4<Double>, _ fb: SIMD4<Double>,
        _ fc: SIMD4<Double>,
        rows: Range<Int>
    ) {
        guard let triangle = RasterTriangle(a, b, c, width: size, rows: rows) else { return }
        func attributes(_ w: SIMD3<Double>) -> SIMD4<Double> { w.x * fa + w.y * fb + w.z * fc }
        let ddx = attributes(triangle.weightStepX)
        let ddy = attributes(triangle.weightStepY)
        // The depth buffer holds depth at pixel centres; a texel lands anywhere in its pixel, so on
        // a slanted triangle its depth differs from the stored one by up to slope × 0.71 px. The
        // tolerance grows with the triangle's depth slope in the photo (depth px per photo px).
        let det = ddx.x * ddy.y - ddx.y * ddy.x
        var slack = tolerance
        if det != 0 {
            let gx = (ddx.z * ddy.y - ddy.z * ddx.y) / det
            let gy = (ddy.z * ddx.x - ddx.z * ddy.x) / det
            slack += Float(min(64, 0.75 * (gx * gx + gy * gy).squareRoot()))
        }
        // Photo coordinates step in 16.16 fixed point: the pixel index and the bilinear weights
        // are then shifts and masks (Swift's float-to-integer conversions trap-check every texel),
        // and over a span of a few hundred texels the stepping error stays below 0.01 px.
        let one = 65536.0
        let stepX = Int32((ddx.x * one).rounded())
        let stepY = Int32((ddx.y * one).rounded())
        let stepDepth = Float(ddx.z)
        let stepFacing = Float(ddx.w)
        let (w, h) = (Int32(width), Int32(height))
        let limitX = w << 16
        let limitY = h << 16
        triangle.forEachSpan { y, first, last, weights in
            let start = attributes(weights)
            guard abs(start.x) < 30000, abs(start.y) < 30000 else { return }
            var px = Int32((start.x * one).rounded())
            var py = Int32((start.y * one).rounded())
            var depth = Float(start.z)
            var facing = Float(start.w)
            var o = y * size + first
            for _ in first...last {
                defer {
                    px &+= stepX
                    py &+= stepY
                    depth += stepDepth
                    facing += stepFacing
                    o &+= 1
                }
                guard facing > 0, px >= 0, py >= 0, px < limitX, py < limitY else { continue }
                guard depth >= zbuffer[Int((py >> 16) &* w &+ (px >> 16))] - slack else { continue }
                // Bilinear taps at pixel centres, clamped at the photo's border; weights out of 256.
                var sx = (px &- 32768) >> 16
                var ax = UInt32(truncatingIfNeeded: ((px &- 32768) >> 8) & 0xFF)
                var sy = (py &- 32768) >> 16
                var ay = UInt32(truncatingIfNeeded: ((py &- 32768) >> 8) & 0xFF)
                if sx < 0 {
                    sx = 0
                    ax = 0
                } else if sx >= w &- 1 {
                    sx = w &- 1
                    ax = 0
                }
                if sy < 0 {
                    sy = 0
                    ay = 0
                } else if sy >= h &- 1 {
                    sy = h &- 1
                    ay = 0
                }
                let i00 = Int(sy &* w &+ sx)
                let right = ax == 0 ? 0 : 1
                let down = ay == 0 ? 0 : Int(w)
                let top = lerpPacked(src[i00], src[i00 &+ right], ax)
                let bottom = lerpPacked(src[i00 &+ down], src[i00 &+ down &+ right], ax)
                let alpha = UInt32(min(255, max(1, facing * 255 + 0.5)))
                dst[o] = lerpPacked(top, bottom, ay) | alpha << 24
            }
        }
    }
}

/// Linear interpolation of two pixels packed as 0x00BBGGRR, t in 0…256, two channels per multiply
/// (red and blue share one 32-bit lane pair, green the other); results truncate.
@inline(__always) private func lerpPacked(_ a: UInt32, _ b: UInt32, _ t: UInt32) -> UInt32 {
    let u = 256 &- t
    let rb = (((a & 0x00FF_00FF) &* u &+ (b & 0x00FF_00FF) &* t) >> 8) & 0x00FF_00FF
    let g = (((a >> 8) & 0xFF) &* u &+ ((b >> 8) & 0xFF) &* t) & 0xFF00
    return rb | g
}

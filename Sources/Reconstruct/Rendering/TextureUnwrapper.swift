import Formats
import Foundation

/// Unwraps a photo into the model's face UV tile [0, 1]² (DESIGN.md §3 texel convention).
///
/// Each texel of a face triangle is mapped, through the fitted mesh and the camera, to a point of
/// the photo: under a scaled orthographic camera that mapping is affine inside a triangle, so the
/// rasteriser's barycentric weights carry it exactly. The texel takes the photo's colour there
/// (bilinear) when that surface point is the nearest one along the view ray (the depth pass), and
/// alpha = visibility × facing, where facing is the interpolated normal's component toward the
/// camera, clamped to [0, 1] (grazing texels are stretched and unreliable). Texels outside the
/// visible surface get colour by dilation over `padding` texels so mip-mapping and bilinear
/// filtering do not pull the background into the seams; their alpha stays 0.
public struct TextureUnwrapper: Sendable {
    public var size: Int
    /// Texels of colour padding around every visible region.
    public var padding: Int
    /// Depth tolerance of the visibility test, millimetres (interpolation differences between the
    /// depth pass and the texel are well below it; a lip or eyelid in front is well above).
    public var depthTolerance = 1.5

    public init(size: Int, padding: Int? = nil) {
        self.size = size
        self.padding = padding ?? max(4, size / 256)
    }

    /// RGBA 8-bit texture of `photo` on the model instance `shape` (positions, mm) seen by `camera`;
    /// the facing term looks from the shape's centroid toward the camera.
    public func unwrap(photo: Photo, model: MorphableModel, shape: [SIMD3<Float>], camera: PerspectiveCamera)
        -> Image<UInt8>
    {
        let centroid = shape.reduce(SIMD3<Double>.zero) { $0 + SIMD3<Double>($1) } / Double(max(shape.count, 1))
        return unwrap(
            photo: photo, model: model, shape: shape, viewAxis: camera.directionToCamera(from: centroid),
            pixelsPerMillimetre: camera.pixelsPerMillimetre(at: centroid), project: camera.projectWithDepth)
    }

    /// The same through any camera: `project` maps a point (mm) to (photo x, photo y, depth) with
    /// depth in pixel-sized units, larger nearer the camera (as `PerspectiveCamera.projectWithDepth`); `viewAxis` is the direction toward the camera
    /// (model axes) the facing term uses, and `pixelsPerMillimetre` scales the depth tolerance.
    /// Inside a triangle the mapping is taken as affine, exact for an orthographic camera and
    /// within a fraction of a texel for a pinhole camera at portrait distances.
    public func unwrap(
        photo: Photo, model: MorphableModel, shape: [SIMD3<Float>], viewAxis: SIMD3<Double>,
        pixelsPerMillimetre: Double,
        project: (SIMD3<Double>) -> SIMD3<Double>
    ) -> Image<UInt8> {
        let projected = shape.map { project(SIMD3<Double>($0)) }
        let corners = triangulatedCorners(polygonSizes: model.polygonSizes)
        let vertexTriangles = corners.map {
            SIMD3(model.polygonVertices[Int($0.x)], model.polygonVertices[Int($0.y)], model.polygonVertices[Int($0.z)])
        }
        let depth = DepthBuffer(
            width: photo.width, height: photo.height, projected: projected, triangles: vertexTriangles)
        let normals = Mesh(positions: shape, faceSizes: model.polygonSizes, faceVertexIndices: model.polygonVertices)
            .withGeneratedNormals().normals
        let facing = normals.map { max(0, min(1, (viewAxis * SIMD3<Double>($0)).sum())) }

        var rgba = Image<UInt8>(width: size, height: size, channels: 4)
        let tolerance = Float(depthTolerance * pixelsPerMillimetre)
        let (w, h) = (photo.width, photo.height)
        // Face-tile triangles with their texel corners and (photo x, photo y, depth, facing) corners.
        var jobs: [(SIMD2<Double>, SIMD2<Double>, SIMD2<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>)] = []
        for (k, t) in corners.enumerated() {
            let uv = (
                model.uvs[Int(model.polygonUVIndices[Int(t.x)])], model.uvs[Int(model.polygonUVIndices[Int(t.y)])],
                model.uvs[Int(model.polygonUVIndices[Int(t.z)])]
            )
            guard inFaceTile(uv.0), inFaceTile(uv.1), inFaceTile(uv.2) else { continue }
            let v = vertexTriangles[k]
            func attributes(_ i: UInt32) -> SIMD4<Double> {
                let p = projected[Int(i)]
                return SIMD4(p.x, p.y, p.z, facing[Int(i)])
            }
            jobs.append((texel(uv.0), texel(uv.1), texel(uv.2), attributes(v.x), attributes(v.y), attributes(v.z)))
        }
        // Two bands of rows on the two cores; each texel belongs to one band, so the result does
        // not depend on scheduling.
        let bands = 2
        let triangles = jobs
        // The photo packed one word per pixel, so a bilinear tap is one load.
        let packed: [UInt32] = photo.rgb.pixels.withUnsafeBufferPointer { rgb in
            (0..<(w * h)).map { UInt32(rgb[3 * $0]) | UInt32(rgb[3 * $0 + 1]) << 8 | UInt32(rgb[3 * $0 + 2]) << 16 }
        }
        packed.withUnsafeBufferPointer { src in
            depth.depth.withUnsafeBufferPointer { zbuffer in
                rgba.pixels.withUnsafeMutableBytes { bytes in
                    let dst = bytes.bindMemory(to: UInt32.self)
                    let target = UnwrapTarget(
                        src: src, width: w, height: h, zbuffer: zbuffer, dst: dst, size: size, tolerance: tolerance)
                    DispatchQueue.concurrentPerform(iterations: bands) { band in
                        let rows = (band * size / bands)..<((band + 1) * size / bands)
                        for j in triangles { target.fill(j.0, j.1, j.2, j.3, j.4, j.5, rows: rows) }
                    }
                }
            }
        }
        dilateColour(&rgba)
        return rgba
    }

    /// Texels the face tile covers, by rasterising its UV triangles with nothing else per texel:
    /// the floor of any unwrap at this size (the benchmark's baseline).
    public func coverage(model: MorphableModel) -> Int {
        var covered = 0
        let s = Double(size)
        for t in triangulatedCorners(polygonSizes: model.polygonSizes) {
            let uv = [t.x, t.y, t.z].map { model.uvs[Int(model.polygonUVIndices[Int($0)])] }
            guard uv.allSatisfy({ $0.x >= 0 && $0.x <= 1 && $0.y >= 0 && $0.y <= 1 }) else { continue }
            let texel = uv.map { SIMD2(Double($0.x) * s, (1 - Double($0.y)) * s) }
            Rasterizer.fill(texel[0], texel[1], texel[2], width: size, height: size) { _, _, _, _, _ in covered += 1 }
        }
        return covered
    }

    private func inFaceTile(_ uv: SIMD2<Float>) -> Bool { uv.x >= 0 && uv.x <= 1 && uv.y >= 0 && uv.y <= 1 }
    private func texel(_ uv: SIMD2<Float>) -> SIMD2<Double> {
        SIMD2(Double(uv.x) * Double(size), (1 - Double(uv.y)) * Double(size))
    }

    /// Pads colour outward from texels with alpha > 0 by up to `padding` texels (chessboard
    /// distance): each empty texel takes the colour of its nearest coloured texel, found by the
    /// classic two-pass distance propagation (forward then backward raster scans), O(texels).
    /// Ties go to the neighbour examined first, so the result is deterministic. The scans visit
    /// only the empty texels (listed per row first): the face tile is mostly coloured.
    ///
    /// Two bands of rows run on the two cores. Each scans its rows plus `padding` rows either side:
    /// every texel within `padding` of a coloured one has its nearest source, and the whole
    /// shortest path to it, inside that window, so the band computes exactly what one full scan
    /// would. Bands write only uncoloured texels of their own rows and read only coloured ones.
    func dilateColour(_ image: inout Image<UInt8>) {
        let n = image.width
        let padding = self.padding
        guard padding > 0 else { return }
        let bands = 2
        image.pixels.withUnsafeMutableBytes { bytes in
            let texels = SharedTexels(pointer: bytes.bindMemory(to: UInt32.self))
            DispatchQueue.concurrentPerform(iterations: bands) { band in
                padBand(texels, width: n, rows: (band * n / bands)..<((band + 1) * n / bands), padding: padding)
            }
        }
    }

    private func padBand(_ texels: SharedTexels, width n: Int, rows: Range<Int>, padding: Int) {
        let top = max(0, rows.lowerBound - padding)
        let bottom = min(n, rows.upperBound + padding)
        let count = (bottom - top) * n
        let offset = top * n
        // Distance 0 marks a coloured texel; `source` is only read for empty ones.
        var distance = [UInt8](repeating: 0, count: count)
        var source = [Int32](repeating: -1, count: count)
        var empty: [Int32] = []
        var rowEnds = [Int](repeating: 0, count: bottom - top)
        for y in 0..<(bottom - top) {
            for x in 0..<n where texels[offset + y * n + x] >> 24 == 0 {
                distance[y * n + x] = 255
                empty.append(Int32(y * n + x))
            }
            rowEnds[y] = empty.count
        }
        distance.withUnsafeMutableBufferPointer { dist in
            source.withUnsafeMutableBufferPointer { src in
                @inline(__always) func relax(_ i: Int, _ j: Int) {
                    let d = dist[j]
                    guard d < 255, d &+ 1 < dist[i] else { return }
                    dist[i] = d &+ 1
                    src[i] = d == 0 ? Int32(offset + j) : src[j]
                }
                let rowCount = bottom - top
                for y in 0..<rowCount {
                    for k in (y == 0 ? 0 : rowEnds[y - 1])..<rowEnds[y] {
                        let i = Int(empty[k])
                        let x = i - y * n
                        if x > 0 { relax(i, i - 1) }
                        if y > 0 {
                            if x > 0 { relax(i, i - n - 1) }
                            relax(i, i - n)
                            if x < n - 1 { relax(i, i - n + 1) }
                        }
                    }
                }
                for y in stride(from: rowCount - 1, through: 0, by: -1) {
                    for k in stride(from: rowEnds[y] - 1, through: y == 0 ? 0 : rowEnds[y - 1], by: -1) {
                        let i = Int(empty[k])
                        let x = i - y * n
                        if x < n - 1 { relax(i, i + 1) }
                        if y < rowCount - 1 {
                            if x < n - 1 { relax(i, i + n + 1) }
                            relax(i, i + n)
                            if x > 0 { relax(i, i + n - 1) }
                        }
                    }
                }
                // Colour only; alpha stays 0.
                let first = rows.lowerBound - top
                let last = rows.upperBound - top
                for k in (first == 0 ? 0 : rowEnds[first - 1])..<rowEnds[last - 1] {
                    let i = Int(empty[k])
                    guard Int(dist[i]) <= padding else { continue }
                    texels[offset + i] = texels[Int(src[i])] & 0x00FF_FFFF
                }
            }
        }
    }
}

/// The texture's texels (RGBA words) shared by the padding bands (see `dilateColour` for why they
/// never race).
private struct SharedTexels: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<UInt32>
    subscript(i: Int) -> UInt32 {
        get { pointer[i] }
        nonmutating set { pointer[i] = newValue }
    }
}

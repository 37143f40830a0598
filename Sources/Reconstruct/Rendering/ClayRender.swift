import Formats

/// The fitted proxy drawn as grey clay over the photo: each pixel the mesh covers (nearest surface,
/// `DepthBuffer`) takes a Lambert shade of the interpolated normal under a light from the camera
/// and a little above, blended with the photo by `opacity`. It shows the fit the way a viewer
/// judges it, by silhouette, features and shading, where a wireframe only shows vertices.
public struct ClayRender: Sendable {
    /// Share of the clay in a covered pixel, 0–1.
    public var opacity = 0.7
    /// Clay albedo (0–1) and the ambient share of the light.
    public var albedo = SIMD3(0.80, 0.76, 0.72)
    public var ambient = 0.25

    public init() {}

    /// `photo` with `shape` (mm, the model's polygons) seen through `camera` drawn over it.
    public func render(photo: Photo, model: MorphableModel, shape: [SIMD3<Float>], camera: PerspectiveCamera)
        -> Image<UInt8>
    {
        let projected = shape.map { camera.projectWithDepth(SIMD3<Double>($0)) }
        let corners = triangulatedCorners(polygonSizes: model.polygonSizes)
        let triangles = corners.map {
            SIMD3(model.polygonVertices[Int($0.x)], model.polygonVertices[Int($0.y)], model.polygonVertices[Int($0.z)])
        }
        let depth = DepthBuffer(width: photo.width, height: photo.height, projected: projected, triangles: triangles)
        let normals = Mesh(positions: shape, faceSizes: model.polygonSizes, faceVertexIndices: model.polygonVertices)
            .withGeneratedNormals().normals.map { SIMD3<Double>($0) }
        // Key light: toward the camera, raised 30° (camera axes), in model axes.
        let up = camera.rotation[1]
        let toward = camera.rotation[2]
        let light = 0.866 * toward + 0.5 * up
        var out = photo.rgb
        let (w, h) = (photo.width, photo.height)
        var done = [Bool](repeating: false, count: w * h)
        for t in triangles {
            let (a, b, c) = (projected[Int(t.x)], projected[Int(t.y)], projected[Int(t.z)])
            let (na, nb, nc) = (normals[Int(t.x)], normals[Int(t.y)], normals[Int(t.z)])
            Rasterizer.fill(SIMD2(a.x, a.y), SIMD2(b.x, b.y), SIMD2(c.x, c.y), width: w, height: h) {
                x, y, w0, w1, w2 in
                let i = y * w + x
                let z = Float(w0 * a.z + w1 * b.z + w2 * c.z)
                guard !done[i], z >= depth.depth[i] - 1e-3 else { return }
                done[i] = true
                let n = w0 * na + w1 * nb + w2 * nc
                let length = (n * n).sum().squareRoot()
                let lambert = length > 0 ? max(0, (n * light).sum() / length) : 0
                let shade = albedo * (ambient + (1 - ambient) * lambert) * 255
                for k in 0..<3 {
                    let photoValue = Double(out.pixels[3 * i + k])
                    let v = opacity * shade[k] + (1 - opacity) * photoValue
                    out.pixels[3 * i + k] = UInt8(min(max(v.rounded(), 0), 255))
                }
            }
        }
        return out
    }
}

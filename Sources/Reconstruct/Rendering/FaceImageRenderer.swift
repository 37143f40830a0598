import Formats
import Foundation

/// A model instance rendered as a photo would show it, by the project's rasteriser: nearest
/// surface per pixel (`RasterTriangle` spans, one z-buffer), Lambertian skin under second-order SH
/// light in camera axes, the face tile's albedo from a texture (brows, lips; `TruthTextures`), flat
/// colours for the parts around it (eyeballs with a dark iris, teeth, the mouth's inside,
/// eyelashes), a flat background, sRGB 8-bit. No shadows, no specular, no hair. It makes the
/// expression dictionary's faces and `bench fit --images`' photos; ICT's full model gives the eyes
/// and teeth, and any region the model lacks is simply not drawn.
public struct FaceImageRenderer: Sendable {
    public let model: MorphableModel
    /// Triangles (vertex indices), their UV corners, and each one's colour source.
    let triangles: [SIMD3<UInt32>]
    let triangleUVs: [SIMD3<UInt32>]
    let triangleMaterial: [Material]

    enum Material: Sendable, Equatable {
        /// The face tile: the texture's albedo (or the skin colour without one).
        case face
        /// Skin colour without texture (head and neck).
        case skin
        /// Linear RGB per vertex (eyeballs: iris or sclera by the vertex's rest normal).
        case perVertex
        case flat(SIMD3<Float>)
    }

    /// Per-vertex linear albedo of `.perVertex` triangles.
    let vertexColour: [SIMD3<Float>]

    /// Regions ICT renders with transparency (tear film, blend and occlusion shells): not drawn.
    static let hiddenRegions = ["lacrimal fluid", "eye blend", "eye occlusion"]

    public init(model: MorphableModel) {
        self.model = model
        let regions = model.info.regions
        func material(_ region: String) -> Material? {
            if Self.hiddenRegions.contains(where: region.hasPrefix) { return nil }
            if region == "face" { return .face }
            if region.hasPrefix("head") { return .skin }
            if region.hasPrefix("eyeball") { return .perVertex }
            if region.hasPrefix("teeth") { return .flat(SIMD3(0.62, 0.58, 0.50)) }
            if region.hasPrefix("eyelashes") { return .flat(SIMD3(0.02, 0.015, 0.01)) }
            return .flat(SIMD3(0.16, 0.04, 0.04))  // mouth and eye sockets, gums and tongue
        }
        var triangles: [SIMD3<UInt32>] = []
        var uvs: [SIMD3<UInt32>] = []
        var materials: [Material] = []
        var corner = 0
        var polygonRegion = [Int](repeating: 0, count: model.polygonCount)
        for (r, region) in regions.enumerated() {
            for p in region.firstPolygon..<(region.firstPolygon + region.polygonCount) { polygonRegion[p] = r }
        }
        for (p, size) in model.polygonSizes.enumerated() {
            defer { corner += Int(size) }
            guard let m = material(regions.isEmpty ? "face" : regions[polygonRegion[p]].name) else { continue }
            for k in 1..<(Int(size) - 1) {
                triangles.append(
                    SIMD3(
                        model.polygonVertices[corner], model.polygonVertices[corner + k],
                        model.polygonVertices[corner + k + 1]))
                uvs.append(
                    SIMD3(
                        model.polygonUVIndices[corner], model.polygonUVIndices[corner + k],
                        model.polygonUVIndices[corner + k + 1]))
                materials.append(m)
            }
        }
        self.triangles = triangles
        triangleUVs = uvs
        triangleMaterial = materials
        // The iris: eyeball vertices whose rest normal is within 28° of straight ahead.
        let rest = model.mesh().normals
        vertexColour = (0..<model.vertexCount).map { v in
            let region = regions.isEmpty ? "face" : regions[Int(model.vertexRegions[v])].name
            guard region.hasPrefix("eyeball") else { return SIMD3(0.5, 0.5, 0.5) }
            return rest[v].z > 0.88 ? SIMD3(0.03, 0.025, 0.02) : SIMD3(0.40, 0.38, 0.36)
        }
    }

    /// What decides one image besides the shape.
    public struct Scene: Sendable {
        public var camera: PerspectiveCamera
        public var width: Int, height: Int
        /// The face tile's albedo (sRGB, the model's face UVs); nil: `skin` everywhere.
        public var faceAlbedo: Image<UInt8>?
        /// Linear RGB of skin outside the face tile.
        public var skin: SIMD3<Float>
        /// In camera axes (x right, y up, z toward the viewer).
        public var light: SphericalHarmonicsLighting
        /// Linear RGB.
        public var background: SIMD3<Float>

        public init(
            camera: PerspectiveCamera, width: Int, height: Int, faceAlbedo: Image<UInt8>?, skin: SIMD3<Float>,
            light: SphericalHarmonicsLighting, background: SIMD3<Float>
        ) {
            self.camera = camera
            self.width = width
            self.height = height
            self.faceAlbedo = faceAlbedo
            self.skin = skin
            self.light = light
            self.background = background
        }
    }

    /// The image of `shape` (mm, this model's vertices) in `scene`: RGB, sRGB 8-bit.
    public func render(_ shape: [SIMD3<Float>], _ scene: Scene) -> Image<UInt8> {
        let (w, h) = (scene.width, scene.height)
        let projected = shape.map { scene.camera.projectWithDepth(SIMD3<Double>($0)) }
        var depth = [Float](repeating: -.infinity, count: w * h)
        var owner = [Int32](repeating: -1, count: w * h)
        var weights = [SIMD2<Float>](repeating: .zero, count: w * h)
        for (t, tri) in triangles.enumerated() {
            let (a, b, c) = (projected[Int(tri.x)], projected[Int(tri.y)], projected[Int(tri.z)])
            // Back faces are hidden behind front ones on these closed parts: skip them (image y
            // runs down, so a counter-clockwise model triangle has a negative signed area here).
            let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
            guard area < 0 else { continue }
            guard
                let raster = RasterTriangle(
                    SIMD2(a.x, a.y), SIMD2(b.x, b.y), SIMD2(c.x, c.y), width: w, rows: 0..<h)
            else { continue }
            raster.forEachSpan { y, first, last, start in
                var weight = start
                for x in first...last {
                    let z = Float(weight.x * a.z + weight.y * b.z + weight.z * c.z)
                    let i = y * w + x
                    if z > depth[i] {
                        depth[i] = z
                        owner[i] = Int32(t)
                        weights[i] = SIMD2(Float(weight.x), Float(weight.y))
                    }
                    weight += raster.weightStepX
                }
            }
        }
        let normals = Mesh(positions: shape, faceSizes: model.polygonSizes, faceVertexIndices: model.polygonVertices)
            .withGeneratedNormals().normals
        let r = scene.camera.rotation.map { SIMD3<Float>($0) }
        var out = Image<UInt8>(width: w, height: h, channels: 3)
        for i in 0..<(w * h) {
            var colour = scene.background
            let t = Int(owner[i])
            if t >= 0 {
                let tri = triangles[t]
                let (w0, w1) = (weights[i].x, weights[i].y)
                let w2 = 1 - w0 - w1
                let n = w0 * normals[Int(tri.x)] + w1 * normals[Int(tri.y)] + w2 * normals[Int(tri.z)]
                let inCamera = SIMD3((r[0] * n).sum(), (r[1] * n).sum(), (r[2] * n).sum())
                let length = (inCamera * inCamera).sum().squareRoot()
                let shade = length > 0 ? scene.light.shading(inCamera / length) : .zero
                colour = albedo(t, w0, w1, w2, scene) * pointwiseMax(shade, SIMD3<Float>.zero)
            }
            for k in 0..<3 { out.pixels[3 * i + k] = Self.encode(colour[k]) }
        }
        return out
    }

    func albedo(_ t: Int, _ w0: Float, _ w1: Float, _ w2: Float, _ scene: Scene) -> SIMD3<Float> {
        switch triangleMaterial[t] {
        case .skin: return scene.skin
        case .flat(let c): return c
        case .perVertex:
            let tri = triangles[t]
            return w0 * vertexColour[Int(tri.x)] + w1 * vertexColour[Int(tri.y)] + w2 * vertexColour[Int(tri.z)]
        case .face:
            guard let texture = scene.faceAlbedo else { return scene.skin }
            let c = triangleUVs[t]
            let uv = w0 * model.uvs[Int(c.x)] + w1 * model.uvs[Int(c.y)] + w2 * model.uvs[Int(c.z)]
            let x = min(max(Int(uv.x * Float(texture.width)), 0), texture.width - 1)
            let y = min(max(Int((1 - uv.y) * Float(texture.height)), 0), texture.height - 1)
            let p = 3 * (y * texture.width + x)
            return SIMD3(
                Self.decode(texture.pixels[p]), Self.decode(texture.pixels[p + 1]), Self.decode(texture.pixels[p + 2]))
        }
    }

    static let decodeTable: [Float] = (0..<256).map { v in
        let c = Float(v) / 255
        return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }

    static func decode(_ v: UInt8) -> Float { decodeTable[Int(v)] }

    /// sRGB of linear values in steps of 1/4096 (finer than 8-bit sRGB needs anywhere).
    static let encodeTable: [UInt8] = (0...4096).map { k in
        let c = Float(k) / 4096
        let s = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055
        return UInt8((s * 255).rounded())
    }

    static func encode(_ linear: Float) -> UInt8 {
        encodeTable[Int((min(max(linear, 0), 1) * 4096).rounded())]
    }
}

import Formats
import Foundation

/// The second half of the pipeline for one photo: the displacement map from a `DetailSynthesizer`,
/// the proxy's tangent-space normal map, and the detailed mesh (the proxy subdivided and
/// displaced) with a normal map of what its vertices cannot hold.
public struct DetailStage: Sendable {
    /// The synthesizer, ready or being prepared on its own thread (`init(preparing:…)`).
    private let prepared: Background<Result<any DetailSynthesizer, any Error>>
    public var synthesizer: any DetailSynthesizer { get throws { try prepared.value.get() } }
    /// Subdivision levels of the detailed mesh (each ×4 faces).
    public var subdivision = 2
    /// Keep the normal maps as floats (an EXR of them is written); else as the PNG's 16-bit words.
    public var keepsFloatNormals = true

    public init(synthesizer: any DetailSynthesizer, subdivision: Int = 2) {
        prepared = Background(ready: .success(synthesizer))
        self.subdivision = subdivision
    }

    /// `synthesizer` with its data read (`prepared(weights:)`, 50 ms for the network's weights)
    /// on its own thread, so that it overlaps the proxy stages; a missing or damaged weights file is
    /// reported where the stage runs.
    public init(preparing synthesizer: any DetailSynthesizer, weights: URL?, subdivision: Int = 2) {
        prepared = Background { Result { try synthesizer.prepared(weights: weights) } }
        self.subdivision = subdivision
    }

    public struct Timings: Sendable, Codable {
        /// Seconds: the synthesizer; the subdivided, displaced mesh (with the proxy's normal map
        /// baked beside it); the detailed mesh's normal map; the whole stage.
        public var detail = 0.0, detailedMesh = 0.0, normalMaps = 0.0, wall = 0.0
    }

    public struct Products: Sendable {
        public let detail: DetailResult
        /// Tangent-space normals (OpenGL convention) of the displaced proxy.
        public let normalMap: BakedNormals
        /// The proxy subdivided and displaced, mm.
        public let detailedMesh: Mesh
        /// Tangent-space normals of the displacement the detailed mesh's vertices do not hold.
        public let detailedNormalMap: BakedNormals
        public let timings: Timings
    }

    public func run(_ proxy: ProxyReconstructor.Result) throws -> Products {
        let clock = ContinuousClock()
        var timings = Timings()
        var mark = clock.now
        func lap() -> Double {
            let now = clock.now
            defer { mark = now }
            return (now - mark).seconds
        }
        let mesh = proxy.proxy
        let detail = try synthesizer.synthesize(Self.input(proxy))
        timings.detail = lap()
        // The proxy's normal map beside the subdivision (one core each), then the detailed mesh's
        // normal map (the baker splits its rows over both cores).
        let baker = NormalMapBaker()
        let levels = subdivision
        let displacement = detail.displacement
        let keepFloats = keepsFloatNormals
        let proxyNormals = Box<BakedNormals>()
        let refinedBranch = Box<(Mesh, DisplacementMap)>()
        DispatchQueue.concurrentPerform(iterations: 2) { branch in
            if branch == 0 {
                proxyNormals.value = baker.baked(displacement, on: mesh, keepingFloats: keepFloats)
            } else {
                let refined = Subdivision.subdivided(mesh, levels: levels)
                refinedBranch.value = (
                    refined.displaced(by: displacement, meshUnit: .millimetre), displacement.residual(after: refined)
                )
            }
        }
        let (detailed, residual) = refinedBranch.value!
        timings.detailedMesh = lap()
        let detailedNormals = baker.baked(residual, on: detailed, keepingFloats: keepFloats)
        timings.normalMaps = lap()
        timings.wall = timings.detail + timings.detailedMesh + timings.normalMaps
        let normalMap = proxyNormals.value!
        return Products(
            detail: detail, normalMap: normalMap, detailedMesh: detailed, detailedNormalMap: detailedNormals,
            timings: timings)
    }

    /// What the synthesizer is given for a reconstruction's proxy stage.
    public static func input(_ proxy: ProxyReconstructor.Result) -> DetailInput {
        let working = DetailInput.workingSize(
            textureSize: proxy.texture.width, pixelsAcross: pixelsAcrossTile(proxy.proxy, camera: proxy.fit.camera))
        return DetailInput(
            texture: proxy.texture, proxy: proxy.proxy, rotation: proxy.fit.camera.rotation, workingSize: working)
    }

    /// Photo pixels across the face tile: √(projected area / UV area) over the tile's
    /// front-facing triangles (a tile side of S texels then samples the photo about once per pixel).
    static func pixelsAcrossTile(_ mesh: Mesh, camera: PerspectiveCamera) -> Double {
        var projected = 0.0
        var parametric = 0.0
        for (positions, uv) in mesh.faceTileTriangles() {
            let p = positions.map(camera.project)
            // Image y runs down: a front-facing triangle is clockwise there.
            let area = -doubleSignedArea(p[0], p[1], p[2]) / 2
            let uvArea = abs(doubleSignedArea(uv[0], uv[1], uv[2])) / 2
            guard area > 0 else { continue }
            projected += area
            parametric += uvArea
        }
        return parametric > 0 ? (projected / parametric).squareRoot() : 0
    }
}

extension DisplacementMap {
    /// The part of the map a mesh's vertices cannot hold: at each texel a face-tile triangle of
    /// `mesh` covers, the map minus the linear interpolation of its values at the triangle's
    /// corner UVs (what `Mesh.displaced` moves those vertices by). Elsewhere zero.
    public func residual(after mesh: Mesh) -> DisplacementMap {
        let (w, h) = (values.width, values.height)
        var out = Image<Float>(width: w, height: h, channels: 1)
        let atUV = mesh.uvs.map { distance(atU: $0.x, v: $0.y) ?? 0 }
        for t in triangulatedCorners(polygonSizes: mesh.faceSizes) {
            let uvIndex = [Int(t.x), Int(t.y), Int(t.z)].map { Int(mesh.faceUVIndices[$0]) }
            let uv = uvIndex.map { mesh.uvs[$0] }
            guard uv.allSatisfy({ $0.x >= 0 && $0.x <= 1 && $0.y >= 0 && $0.y <= 1 }) else { continue }
            let corner = uvIndex.map { atUV[$0] }
            let texel = uv.map { SIMD2(Double($0.x) * Double(w), (1 - Double($0.y)) * Double(h)) }
            Rasterizer.fill(texel[0], texel[1], texel[2], width: w, height: h) { x, y, b0, b1, b2 in
                let i = y * w + x
                let linear = Float(b0) * corner[0] + Float(b1) * corner[1] + Float(b2) * corner[2]
                out.pixels[i] = (values.pixels[i] - midlevel) * scale - linear
            }
        }
        return DisplacementMap(values: out, unit: unit)
    }
}

/// A value handed back from one branch of a `concurrentPerform` (each box written by one branch).
private final class Box<Value>: @unchecked Sendable {
    var value: Value?
}

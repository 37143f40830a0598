import Formats
import Foundation

/// Bakes a tangent-space normal map (DESIGN.md §3: OpenGL convention, +Y green toward +v) of a
/// surface displaced by a `DisplacementMap`, over the face UV tile, at the map's resolution.
///
/// For each texel the surface point under it is found by rasterising the mesh's UV triangles.
/// There the displaced surface P + d·N, shaded with the interpolated normal N, has the normal
/// N − ∇d: ∇d is the surface gradient of the displacement, from the map's central differences
/// (d_u, d_v in mm per UV unit) through the triangle's metric (P_u, P_v), with the change of N
/// across a texel neglected (exact on flat regions). It is expressed in the texel's interpolated
/// tangent frame (`TangentFrames`), so a zero map gives (0, 0, 1) everywhere, whatever the mesh's
/// facets. Texels no face-tile triangle covers hold the flat normal too.
public struct NormalMapBaker: Sendable {
    public enum Convention: String, Sendable, CaseIterable {
        /// +Y (green) points toward +v: Blender, Maya, Unity, glTF.
        case opengl
        /// +Y points toward −v: Unreal, 3ds Max, DirectX engines.
        case directx
    }

    public var convention: Convention = .opengl
    public init(convention: Convention = .opengl) { self.convention = convention }

    /// RGB float image of unit normals (x, y, z) in tangent space, same size as the map, over the
    /// face-tile triangles of `meshes` (later meshes drawn over earlier ones where they overlap in
    /// UV). Positions are in `meshUnit`; the map's distances are converted to match.
    public func bake(_ map: DisplacementMap, on meshes: [Mesh], meshUnit: LengthUnit) -> Image<Float> {
        bake(map, on: meshes, meshUnit: meshUnit, as: Float.self)
    }

    /// The same normals stored as `Component`: floats, or the 16-bit PNG's words written as each
    /// texel is baked (half the memory, and no float map to convert).
    public func bake<Component: BakedNormalComponent>(
        _ map: DisplacementMap, on meshes: [Mesh], meshUnit: LengthUnit, as: Component.Type
    ) -> Image<Component> {
        let (flat, up) = (Component.stored(0), Component.stored(1))
        var out = Image<Component>(width: map.values.width, height: map.values.height, channels: 3)
        for i in 0..<(out.width * out.height) {
            out.pixels[3 * i] = flat
            out.pixels[3 * i + 1] = flat
            out.pixels[3 * i + 2] = up
        }
        for mesh in meshes where mesh.hasUVs { bake(map, on: mesh, meshUnit: meshUnit, into: &out) }
        return out
    }

    private func bake<Component: BakedNormalComponent>(
        _ map: DisplacementMap, on mesh: Mesh, meshUnit: LengthUnit, into out: inout Image<Component>
    ) {
        let (w, h) = (map.values.width, map.values.height)
        // Everything in millimetres, the map's working unit.
        let toMm = Float(meshUnit.factor(to: .millimetre))
        let positions = mesh.positions.map { $0 * toMm }
        let frames = TangentFrames(mesh)
        let gain = Float(map.unit.factor(to: .millimetre))
        // The map in mm, read through a raw buffer: the texel loop is the baker's whole cost.
        // A map already in mm about 0 (what reconstruct bakes) is read as it is: no 67 MB copy at 4096².
        let millimetres =
            map.midlevel == 0 && map.scale * gain == 1
            ? map.values.pixels : map.values.pixels.map { ($0 - map.midlevel) * map.scale * gain }
        let flipY: Float = convention == .directx ? -1 : 1
        // Triangles set up once; then two bands of rows, one per core, each writing only its rows.
        var jobs: [BakeTriangle] = []
        for t in triangulatedCorners(polygonSizes: mesh.faceSizes) {
            let c = [Int(t.x), Int(t.y), Int(t.z)]
            let uv = c.map { mesh.uvs[Int(mesh.faceUVIndices[$0])] }
            guard uv.allSatisfy({ $0.x >= 0 && $0.x <= 1 && $0.y >= 0 && $0.y <= 1 }) else { continue }
            let p = c.map { positions[Int(mesh.faceVertexIndices[$0])] }
            // The triangle's P_u, P_v (mm per UV unit).
            guard let (pu, pv) = uvDerivatives(positions: p, uvs: uv) else { continue }
            let guu = dot(pu, pu)
            let guv = dot(pu, pv)
            let gvv = dot(pv, pv)
            let metric = guu * gvv - guv * guv
            guard metric > 0 else { continue }
            jobs.append(
                BakeTriangle(
                    texel: uv.map { SIMD2(Double($0.x) * Double(w), (1 - Double($0.y)) * Double(h)) },
                    f: (frames.frame(ofCorner: c[0]), frames.frame(ofCorner: c[1]), frames.frame(ofCorner: c[2])),
                    pu: pu, pv: pv, guu: guu, guv: guv, gvv: gvv, metric: metric))
        }
        let triangles = jobs
        millimetres.withUnsafeBufferPointer { d in
            out.pixels.withUnsafeMutableBufferPointer { buffer in
                let pixels = BandTexels<Component>(base: buffer.baseAddress!)
                let map = BandTexels<Float>(base: UnsafeMutablePointer(mutating: d.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: 2) { band in
                    @inline(__always) func distance(_ x: Int, _ y: Int) -> Float {
                        map[min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)]
                    }
                    let rows = (band * h / 2)..<((band + 1) * h / 2)
                    for j in triangles {
                        guard let triangle = RasterTriangle(j.texel[0], j.texel[1], j.texel[2], width: w, rows: rows)
                        else { continue }
                        let (f0, f1, f2) = j.f
                        triangle.forEachSpan { y, first, last, weights in
                            var b = weights
                            for x in first...last {
                                defer { b += triangle.weightStepX }
                                let (w0, w1, w2) = (Float(b.x), Float(b.y), Float(b.z))
                                let n = normalized(w0 * f0.normal + w1 * f1.normal + w2 * f2.normal)
                                var tangent = w0 * f0.tangent + w1 * f1.tangent + w2 * f2.tangent
                                tangent = normalized(tangent - dot(tangent, n) * n)
                                let sign: Float = (w0 * f0.sign + w1 * f1.sign + w2 * f2.sign) < 0 ? -1 : 1
                                let bitangent = sign * cross(n, tangent)
                                // Central differences in texels, turned into mm per UV unit (v runs up, rows down).
                                let du =
                                    (distance(x + 1, y) - distance(x - 1, y)) / (x > 0 && x < w - 1 ? 2 : 1) * Float(w)
                                let dv =
                                    -(distance(x, y + 1) - distance(x, y - 1)) / (y > 0 && y < h - 1 ? 2 : 1) * Float(h)
                                // The surface gradient of d through the triangle's metric, taken off the smooth normal.
                                let alpha = (j.gvv * du - j.guv * dv) / j.metric
                                let beta = (j.guu * dv - j.guv * du) / j.metric
                                var gradient = alpha * j.pu + beta * j.pv
                                gradient -= dot(gradient, n) * n
                                let displacedNormal = normalized(n - gradient)
                                let o = 3 * (y * w + x)
                                pixels[o] = Component.stored(dot(displacedNormal, tangent))
                                pixels[o + 1] = Component.stored(flipY * dot(displacedNormal, bitangent))
                                pixels[o + 2] = Component.stored(dot(displacedNormal, n))
                            }
                        }
                    }
                }
            }
        }
    }

    /// One normal component as the 16-bit PNG holds it: n · 0.5 + 0.5 over 0…65535, rounded.
    @inline(__always)
    static func word(_ n: Float) -> UInt16 { UInt16((min(max(n * 0.5 + 0.5, 0), 1) * 65535).rounded()) }

    /// The baked normals as DESIGN.md stores them: a half-float RGB EXR of raw vectors, or a
    /// 16-bit RGB PNG of n · 0.5 + 0.5.
    public static func encoded(_ normals: Image<Float>, as kind: PixelComponentKind) throws -> ImageAsset {
        switch kind {
        case .float16:
            return ImageAsset(
                image: .float16(
                    try Image(
                        width: normals.width, height: normals.height, channels: 3,
                        pixels: normals.pixels.map { Float16($0) })))
        default:
            let words = normals.pixels.map(word)
            return ImageAsset(
                image: .uint16(try Image(width: normals.width, height: normals.height, channels: 3, pixels: words)))
        }
    }
}

@inline(__always) func dot(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { (a * b).sum() }
@inline(__always) func cross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
@inline(__always) func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
@inline(__always) func normalized(_ v: SIMD3<Float>) -> SIMD3<Float> {
    let l = dot(v, v).squareRoot()
    return l > 0 ? v / l : SIMD3(0, 0, 1)
}

/// Texels shared by the baker's two bands of rows: the map (read only) and the output (each texel
/// written by one band).
private struct BandTexels<Value>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Value>
    subscript(i: Int) -> Value {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// How a baked normal component in [−1, 1] is stored: as it is (Float), or as the 16-bit PNG's word.
public protocol BakedNormalComponent: PixelComponent {
    static func stored(_ n: Float) -> Self
}

extension Float: BakedNormalComponent {
    @inline(__always) public static func stored(_ n: Float) -> Float { n }
}

extension UInt16: BakedNormalComponent {
    @inline(__always) public static func stored(_ n: Float) -> UInt16 { NormalMapBaker.word(n) }
}

/// One face-tile triangle of the map, set up once for every texel it covers.
private struct BakeTriangle {
    let texel: [SIMD2<Double>]
    let f: (TangentFrames.Frame, TangentFrames.Frame, TangentFrames.Frame)
    let pu: SIMD3<Float>
    let pv: SIMD3<Float>
    let guu: Float
    let guv: Float
    let gvv: Float
    let metric: Float
}

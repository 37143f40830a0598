import Formats
import Foundation

/// A displacement map over the face UV tile (DESIGN.md §3): signed distance along the surface's
/// interpolated vertex normal, positive outward, in `unit`; stored values map to distances as
/// (value − midlevel) × scale.
public struct DisplacementMap: Sendable {
    /// One channel, row 0 at the top (v = 1).
    public let values: Image<Float>
    public var unit: LengthUnit = .millimetre
    public var midlevel: Float = 0
    public var scale: Float = 1

    public init(values: Image<Float>, unit: LengthUnit = .millimetre, midlevel: Float = 0, scale: Float = 1) {
        precondition(values.channels == 1)
        self.values = values
        self.unit = unit
        self.midlevel = midlevel
        self.scale = scale
    }

    /// The distance at (u, v) in `unit`, bilinear between texel centres (texel (x, y) sits at
    /// uv ((x + 0.5)/W, 1 − (y + 0.5)/H)), clamped at the tile's edges; nil outside [0, 1]².
    public func distance(atU u: Float, v: Float) -> Float? {
        guard u >= 0, u <= 1, v >= 0, v <= 1 else { return nil }
        let (w, h) = (values.width, values.height)
        let fx = min(max(u * Float(w) - 0.5, 0), Float(w - 1))
        let fy = min(max((1 - v) * Float(h) - 0.5, 0), Float(h - 1))
        let x0 = Int(fx)
        let y0 = Int(fy)
        let x1 = min(x0 + 1, w - 1)
        let y1 = min(y0 + 1, h - 1)
        let tx = fx - Float(x0)
        let ty = fy - Float(y0)
        let p = values.pixels
        let top = p[y0 * w + x0] * (1 - tx) + p[y0 * w + x1] * tx
        let bottom = p[y1 * w + x0] * (1 - tx) + p[y1 * w + x1] * tx
        return (top * (1 - ty) + bottom * ty - midlevel) * scale
    }
}

extension DisplacementMap {
    /// The map of an image file's content: one float channel ("Y" or any single name), with the
    /// optional EXR attributes `units` ("mm", "cm", "m"), `midlevel` and `scale` that facedetail
    /// writes. Throws for anything else, naming what was found.
    public init(_ asset: ImageAsset, path: String) throws {
        guard case .float32(let image) = asset.image, image.channels == 1 else {
            throw ReconstructError(
                .invalidArgument, path: path, "expected a one-channel 32-bit float displacement map",
                reason: "found \(asset.image.channels) channel(s) of \(asset.image.componentKind.rawValue)")
        }
        var unit = LengthUnit.millimetre
        if case .string(let symbol)? = asset.attributes["units"] {
            guard let named = LengthUnit(symbol: symbol) else {
                throw ReconstructError(
                    .invalidArgument, path: path, "unknown displacement unit '\(symbol)'",
                    reason: "expected mm, cm or m")
            }
            unit = named
        }
        var midlevel: Float = 0
        var scale: Float = 1
        if case .float(let m)? = asset.attributes["midlevel"] { midlevel = m }
        if case .float(let s)? = asset.attributes["scale"] { scale = s }
        guard image.pixels.allSatisfy(\.isFinite) else {
            throw ReconstructError(.invalidArgument, path: path, "the displacement map holds NaN or infinite values")
        }
        self.init(values: image, unit: unit, midlevel: midlevel, scale: scale)
    }

    /// The map in an image file (usually EXR), read through the registry.
    public init(contentsOf url: URL, registry: FormatRegistry = .standard) throws {
        guard let reader = try registry.readerFormat(for: url).imageReader else {
            throw FormatError(
                .unsupported, path: url.path, "is a mesh format, expected an image with one float channel")
        }
        try self.init(reader.readImage(at: url), path: url.path)
    }
}

extension Mesh {
    /// The mesh with each vertex moved along its area-weighted vertex normal by the map's
    /// distance × `gain`, converted from the map's unit into `meshUnit`; normals recomputed.
    ///
    /// A vertex on a UV seam has several UVs: it moves by the mean of the distances at those of
    /// them inside the face tile (equal when the map is continuous across the seam). Vertices
    /// with no UV in the tile, or meshes without UVs, do not move.
    public func displaced(by map: DisplacementMap, gain: Float = 1, meshUnit: LengthUnit) -> Mesh {
        guard hasUVs else { return withGeneratedNormals() }
        let toMesh = Float(map.unit.factor(to: meshUnit)) * gain
        var sum = [Float](repeating: 0, count: positions.count)
        var count = [Int](repeating: 0, count: positions.count)
        var sampled = [Bool](repeating: false, count: uvs.count)
        var atUV = [Float](repeating: 0, count: uvs.count)
        for corner in faceVertexIndices.indices {
            let t = Int(faceUVIndices[corner])
            let v = Int(faceVertexIndices[corner])
            if !sampled[t] {
                sampled[t] = true
                atUV[t] = map.distance(atU: uvs[t].x, v: uvs[t].y) ?? .nan
            }
            guard !atUV[t].isNaN else { continue }
            sum[v] += atUV[t]
            count[v] += 1
        }
        let normals = withGeneratedNormals().normals
        var out = self
        out.positions = positions.indices.map { v in
            count[v] == 0 ? positions[v] : positions[v] + normals[v] * (sum[v] / Float(count[v]) * toMesh)
        }
        out.tangents = []
        return out.withGeneratedNormals()
    }
}

import Formats
import Foundation

/// A linear morphable face model (DESIGN.md §1): a mean shape, identity modes scaled by their
/// standard deviations (coefficients α are N(0, 1)), and named expression blendshapes (weights β in
/// [0, 1]) over one polygon topology with UVs:
///
///     shape = mean + Σ αₖ · identityₖ + Σ βₑ · expressionₑ        (millimetres, DESIGN.md axes)
///
/// The big arrays stay in the memory-mapped `.fdmodel` file (see `ModelFile`); topology, UVs and
/// ids are small and copied at load. Immutable and cheap to copy.
public struct MorphableModel: Sendable {
    public let info: ModelInfo
    /// xyz of each vertex, interleaved, mm.
    public let mean: FloatView
    let identityBasis: FloatView
    let expressionBasis: FloatView

    /// Corners per polygon (3 or 4).
    public let polygonSizes: [UInt8]
    /// Vertex index of each polygon corner, polygons in order.
    public let polygonVertices: [UInt32]
    /// UV index of each polygon corner; UVs have their own indices so seams keep two UVs per vertex.
    public let polygonUVIndices: [UInt32]
    /// Texture coordinates, origin bottom-left (DESIGN.md §3); the face lies in tile [0, 1]².
    public let uvs: [SIMD2<Float>]
    /// Index into `info.regions` of each vertex.
    public let vertexRegions: [UInt8]
    /// Index into `info.materials` of each polygon.
    public let polygonMaterials: [UInt32]
    /// Vertex of each of the 68 iBUG landmarks (`Landmarks68` order).
    public let landmarkVertices: [Int]
    /// Jaw-contour candidate vertices for the subject's right side (image left, landmarks 0–7) and
    /// left side (landmarks 9–16); see `ContourCandidates` for how they are derived.
    public let contourCandidates: (right: [Int], left: [Int])

    public var vertexCount: Int { info.vertexCount }
    public var polygonCount: Int { info.polygonCount }
    public var identityCount: Int { info.identityCount }
    public var expressionNames: [String] { info.expressionNames }

    init(
        info: ModelInfo, mean: FloatView, identityBasis: FloatView, expressionBasis: FloatView,
        polygonSizes: [UInt8], polygonVertices: [UInt32], polygonUVIndices: [UInt32], uvs: [SIMD2<Float>],
        vertexRegions: [UInt8], polygonMaterials: [UInt32], landmarkVertices: [Int],
        contourCandidates: (right: [Int], left: [Int])
    ) {
        self.info = info
        self.mean = mean
        self.identityBasis = identityBasis
        self.expressionBasis = expressionBasis
        self.polygonSizes = polygonSizes
        self.polygonVertices = polygonVertices
        self.polygonUVIndices = polygonUVIndices
        self.uvs = uvs
        self.vertexRegions = vertexRegions
        self.polygonMaterials = polygonMaterials
        self.landmarkVertices = landmarkVertices
        self.contourCandidates = contourCandidates
    }

    /// Identity mode `k` (3 × vertexCount floats, mm per unit of α).
    public func identityMode(_ k: Int) -> FloatView {
        precondition((0..<identityCount).contains(k), "identity mode \(k) out of range")
        return identityBasis.slice(k * 3 * vertexCount, count: 3 * vertexCount)
    }

    /// Expression blendshape `e` as an offset from the mean (3 × vertexCount floats, mm at weight 1).
    public func expressionMode(_ e: Int) -> FloatView {
        precondition((0..<expressionNames.count).contains(e), "expression \(e) out of range")
        return expressionBasis.slice(e * 3 * vertexCount, count: 3 * vertexCount)
    }

    /// Index of a named expression, or nil.
    public func expressionIndex(named name: String) -> Int? { expressionNames.firstIndex(of: name) }

    /// Vertex positions (mm) for identity coefficients α (missing trailing ones are 0) and expression
    /// weights β (missing trailing ones are 0).
    public func shape(identity: [Float] = [], expression: [Float] = []) -> [SIMD3<Float>] {
        shape(expression: expression, on: identityShape(identity))
    }

    /// The neutral face of identity α as xyz floats, interleaved: what `shape(expression:on:)`
    /// adds expressions to, for callers that pose one identity many times.
    public func identityShape(_ identity: [Float]) -> [Float] {
        precondition(identity.count <= identityCount, "too many coefficients")
        var flat = [Float](repeating: 0, count: 3 * vertexCount)
        flat.withUnsafeMutableBufferPointer { out in
            mean.withUnsafeBufferPointer { m in for i in 0..<out.count { out[i] = m[i] } }
            for (k, a) in identity.enumerated() where a != 0 {
                identityMode(k).withUnsafeBufferPointer { d in for i in 0..<out.count { out[i] += a * d[i] } }
            }
        }
        return flat
    }

    /// Positions (mm) of the neutral face `base` (`identityShape`) with expression weights β.
    public func shape(expression: [Float], on base: [Float]) -> [SIMD3<Float>] {
        precondition(expression.count <= expressionNames.count && base.count == 3 * vertexCount, "bad coefficients")
        var flat = base
        flat.withUnsafeMutableBufferPointer { out in
            for (e, b) in expression.enumerated() where b != 0 {
                expressionMode(e).withUnsafeBufferPointer { d in for i in 0..<out.count { out[i] += b * d[i] } }
            }
        }
        return (0..<vertexCount).map { SIMD3(flat[3 * $0], flat[3 * $0 + 1], flat[3 * $0 + 2]) }
    }

    /// An instance as a Formats mesh (mm), with the model's UVs, per-polygon materials and smooth
    /// normals; `asset` adds the materials.
    public func mesh(identity: [Float] = [], expression: [Float] = [], name: String = "face") -> Mesh {
        Mesh(
            name: name, positions: shape(identity: identity, expression: expression), uvs: uvs,
            faceSizes: polygonSizes, faceVertexIndices: polygonVertices, faceUVIndices: polygonUVIndices,
            faceMaterials: polygonMaterials
        ).withGeneratedNormals()
    }

    /// The expression blendshapes as morph targets, named as the model names them (ICT-FaceKit's
    /// are ARKit's), with `expression` (β, missing trailing weights 0) as their default weights.
    /// The model is linear, so one identity's blendshapes are everyone's: a rigged instance shows
    /// `shape(identity:expression:)` at the default weights and the neutral face at zero.
    /// Offsets under 10⁻⁵ mm are left out (53 of them move a point by at most 0.5 µm).
    public func rig(expression: [Float] = []) -> [MorphTarget] {
        expressionNames.indices.map { e in
            var indices: [UInt32] = []
            var deltas: [SIMD3<Float>] = []
            expressionMode(e).withUnsafeBufferPointer { d in
                for v in 0..<vertexCount {
                    let delta = SIMD3(d[3 * v], d[3 * v + 1], d[3 * v + 2])
                    guard (delta * delta).sum() >= Self.negligibleOffset * Self.negligibleOffset else { continue }
                    indices.append(UInt32(v))
                    deltas.append(delta)
                }
            }
            return MorphTarget(
                name: expressionNames[e], indices: indices, positionDeltas: deltas,
                defaultWeight: e < expression.count ? expression[e] : 0)
        }
    }

    /// Offsets shorter than this (mm) are left out of a rig's morph targets.
    static let negligibleOffset: Float = 1e-5

    /// An instance as an asset with the model's materials; `rigged` adds the expression
    /// blendshapes (`rig`).
    public func asset(identity: [Float] = [], expression: [Float] = [], rigged: Bool = false) -> Asset {
        var mesh = mesh(identity: identity, expression: expression)
        if rigged { mesh.morphTargets = rig(expression: expression) }
        let materials = info.materials.map { Material(name: $0) }
        return Asset(
            meshes: [mesh], materials: materials, unit: .millimetre,
            metadata: ["model": info.source, "modelRegion": info.region])
    }
}

/// What a model holds, stored as JSON inside the `.fdmodel` file.
public struct ModelInfo: Codable, Sendable, Equatable {
    /// Where the data came from, e.g. "ICT-FaceKit FaceXModel".
    public var source: String
    /// The source's licence, shown by `model info`.
    public var license: String
    /// Which part of the source topology: face, head or full.
    public var region: String
    /// Length unit of every position and mode: always "mm".
    public var units: String
    public var vertexCount: Int
    public var polygonCount: Int
    public var uvCount: Int
    public var identityCount: Int
    public var expressionNames: [String]
    public var regions: [ModelRegion]
    public var materials: [String]
    /// How the jaw-contour candidates were derived.
    public var contourMethod: String
}

/// A named, contiguous part of the model's vertex and polygon lists.
public struct ModelRegion: Codable, Sendable, Equatable {
    public var name: String
    public var firstVertex: Int
    public var vertexCount: Int
    public var firstPolygon: Int
    public var polygonCount: Int
}

/// A read-only run of floats inside a model's storage; keeps the storage alive.
public struct FloatView: Sendable {
    let storage: ModelStorage
    let offset: Int
    public let count: Int

    public subscript(i: Int) -> Float {
        precondition(i >= 0 && i < count)
        return storage.floats(at: offset, count: count)[i]
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(storage.floats(at: offset, count: count))
    }

    func slice(_ start: Int, count: Int) -> FloatView {
        FloatView(storage: storage, offset: offset + start * 4, count: count)
    }
}

/// A named blendshape of a `Mesh` (glTF morph target, FBX BlendShape channel, USD
/// `UsdSkelBlendShape`, Blender shape key): offsets of some positions at weight 1, stored sparsely
/// because an expression moves only part of a face (a blink moves the eyelids, nothing else).
///
/// Convention: a mesh's `positions` are its shape *at the default weights* (what a reader that
/// drops morph targets should show), so
///
///     positions = basePositions + Σ defaultWeightₜ · deltaₜ,
///
/// and a writer that keeps morph targets writes `basePositions` with the deltas and default weights.
/// For a reconstruction that is the person's neutral face plus the fitted expression.
public struct MorphTarget: Sendable, Equatable {
    /// Unique within the mesh; ICT-FaceKit's ARKit names ("jawOpen") for a face rig.
    public var name: String
    /// Positions that move, ascending indices into the mesh's `positions`.
    public var indices: [UInt32]
    /// Offset of each moved position at weight 1, in the asset's unit.
    public var positionDeltas: [SIMD3<Float>]
    /// Offset of each moved position's unit normal at weight 1: empty, or one per index (glTF keeps
    /// them; formats that recompute normals do not need them).
    public var normalDeltas: [SIMD3<Float>]
    /// The weight the mesh's `positions` include (0 = the base shape).
    public var defaultWeight: Float

    public init(
        name: String, indices: [UInt32], positionDeltas: [SIMD3<Float>], normalDeltas: [SIMD3<Float>] = [],
        defaultWeight: Float = 0
    ) {
        self.name = name
        self.indices = indices
        self.positionDeltas = positionDeltas
        self.normalDeltas = normalDeltas
        self.defaultWeight = defaultWeight
    }

    /// A target from one offset per position, keeping only the positions whose offset is not zero.
    public init(name: String, denseDeltas: [SIMD3<Float>], defaultWeight: Float = 0) {
        var indices: [UInt32] = []
        var deltas: [SIMD3<Float>] = []
        for (v, d) in denseDeltas.enumerated() where d != .zero {
            indices.append(UInt32(v))
            deltas.append(d)
        }
        self.init(name: name, indices: indices, positionDeltas: deltas, defaultWeight: defaultWeight)
    }

    /// One offset per position of a mesh with `count` positions (zero where the target is silent).
    public func denseDeltas(count: Int) -> [SIMD3<Float>] {
        var dense = [SIMD3<Float>](repeating: .zero, count: count)
        for (k, v) in indices.enumerated() { dense[Int(v)] = positionDeltas[k] }
        return dense
    }

    /// The same target with its offsets mapped by `transform` (a unit change, an axis change).
    public func mapped(_ transform: (SIMD3<Float>) -> SIMD3<Float>) -> MorphTarget {
        var copy = self
        copy.positionDeltas = positionDeltas.map(transform)
        return copy
    }

    /// Checks the target against a mesh of `positionCount` positions.
    func validate(positionCount: Int, mesh: String) throws {
        func bad(_ what: String) -> FormatError { .invalidAsset("mesh '\(mesh)', morph target '\(name)': \(what)") }
        guard !name.isEmpty else { throw FormatError.invalidAsset("mesh '\(mesh)': a morph target has no name") }
        guard positionDeltas.count == indices.count else {
            throw bad("\(positionDeltas.count) offsets for \(indices.count) indices")
        }
        guard normalDeltas.isEmpty || normalDeltas.count == indices.count else {
            throw bad("\(normalDeltas.count) normal offsets, expected 0 or \(indices.count)")
        }
        var previous: UInt32?
        for i in indices {
            guard Int(i) < positionCount else { throw bad("index \(i) ≥ \(positionCount) positions") }
            if let previous, i <= previous { throw bad("indices are not strictly ascending at \(i)") }
            previous = i
        }
        let finite = { (v: SIMD3<Float>) in v.x.isFinite && v.y.isFinite && v.z.isFinite }
        guard positionDeltas.allSatisfy(finite), normalDeltas.allSatisfy(finite) else {
            throw bad("an offset is NaN or infinite")
        }
        guard defaultWeight.isFinite else { throw bad("the default weight is not finite") }
    }
}

extension Mesh {
    public var hasMorphTargets: Bool { !morphTargets.isEmpty }

    /// The shape at all-zero weights: `positions` less every target's default contribution.
    public var basePositions: [SIMD3<Float>] {
        var base = positions
        for target in morphTargets where target.defaultWeight != 0 {
            for (k, v) in target.indices.enumerated() {
                base[Int(v)] -= target.defaultWeight * target.positionDeltas[k]
            }
        }
        return base
    }

    /// The positions at `weights` (by target name; targets not named get weight 0).
    public func positions(weights: [String: Float]) -> [SIMD3<Float>] {
        var shape = basePositions
        for target in morphTargets {
            guard let w = weights[target.name], w != 0 else { continue }
            for (k, v) in target.indices.enumerated() { shape[Int(v)] += w * target.positionDeltas[k] }
        }
        return shape
    }

    /// The targets' default weights by name.
    public var defaultWeights: [String: Float] {
        Dictionary(morphTargets.map { ($0.name, $0.defaultWeight) }, uniquingKeysWith: { a, _ in a })
    }

    func validateMorphTargets() throws {
        var names = Set<String>()
        for target in morphTargets {
            try target.validate(positionCount: positions.count, mesh: name)
            guard names.insert(target.name).inserted else {
                throw FormatError.invalidAsset("mesh '\(name)': two morph targets are named '\(target.name)'")
            }
        }
    }
}

/// A length unit, by how many metres one unit is.
public struct LengthUnit: Sendable, Hashable, CustomStringConvertible {
    public var metresPerUnit: Double
    public var symbol: String

    public init(metresPerUnit: Double, symbol: String) {
        self.metresPerUnit = metresPerUnit
        self.symbol = symbol
    }

    public static let millimetre = LengthUnit(metresPerUnit: 0.001, symbol: "mm")
    public static let centimetre = LengthUnit(metresPerUnit: 0.01, symbol: "cm")
    public static let metre = LengthUnit(metresPerUnit: 1, symbol: "m")
    public static let named: [LengthUnit] = [.millimetre, .centimetre, .metre]

    /// The unit for "mm", "cm" or "m".
    public init?(symbol: String) {
        guard let unit = Self.named.first(where: { $0.symbol == symbol }) else { return nil }
        self = unit
    }

    /// Factor that turns lengths in `self` into lengths in `other`.
    public func factor(to other: LengthUnit) -> Double { metresPerUnit / other.metresPerUnit }
    public var description: String { symbol }
}

/// Meshes and the materials they use, in one unit and frame: what a mesh file holds.
///
/// Internal geometry is in millimetres, +Y up, +Z toward the camera (DESIGN.md §3); a reader returns
/// the file's own unit in `unit` (nil when the format does not say) and geometry already turned to
/// +Y up, so an asset has no up-axis of its own: writers state +Y up where the format can.
public struct Asset: Sendable, Equatable {
    public var meshes: [Mesh]
    public var materials: [Material]
    public var unit: LengthUnit?
    /// Free-form key/value pairs (generator, source). Writers emit them in sorted key order.
    public var metadata: [String: String]
    /// Texture files the source carried inside itself (GLB, FBX), by the relative path the
    /// materials now use for them; converters write them beside the output.
    public var embeddedFiles: [String: [UInt8]] = [:]

    public init(
        meshes: [Mesh] = [], materials: [Material] = [], unit: LengthUnit? = .millimetre,
        metadata: [String: String] = [:]
    ) {
        self.meshes = meshes
        self.materials = materials
        self.unit = unit
        self.metadata = metadata
    }

    public var vertexCount: Int { meshes.reduce(0) { $0 + $1.positions.count } }
    public var faceCount: Int { meshes.reduce(0) { $0 + $1.faceCount } }
    public var triangleCount: Int { meshes.reduce(0) { $0 + $1.triangleCount } }

    /// Bounds over every mesh; nil when there are no positions.
    public var bounds: (min: SIMD3<Float>, max: SIMD3<Float>)? {
        meshes.compactMap(\.bounds).reduce(nil) { acc, b in
            guard let acc else { return b }
            return (pointwiseMin(acc.min, b.min), pointwiseMax(acc.max, b.max))
        }
    }

    /// Checks every mesh's invariants and that there is something to write.
    public func validate() throws {
        guard !meshes.isEmpty, meshes.contains(where: { $0.faceCount > 0 }) else {
            throw FormatError.invalidAsset("the asset has no polygons")
        }
        for mesh in meshes { try mesh.validate(materialCount: max(materials.count, 1)) }
    }

    /// The same asset with positions expressed in `target` (an unknown unit is taken as `target`).
    public func converted(to target: LengthUnit) -> Asset {
        var copy = self
        copy.unit = target
        guard let unit, unit != target else { return copy }
        let k = Float(unit.factor(to: target))
        for m in copy.meshes.indices {
            copy.meshes[m].positions = copy.meshes[m].positions.map { $0 * k }
            copy.meshes[m].morphTargets = copy.meshes[m].morphTargets.map { $0.mapped { $0 * k } }
        }
        // A displacement texel unit is a length in the asset's unit: its scale follows.
        for m in copy.materials.indices { copy.materials[m].displacementScale *= k }
        return copy
    }

    /// The materials, with one default added when there are none, so every face has one.
    public var materialsOrDefault: [Material] {
        materials.isEmpty ? [Material(name: "default")] : materials
    }
}

extension LengthUnit: Codable {
    /// Encoded as its symbol ("mm", "cm", "m").
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let symbol = try container.decode(String.self)
        guard let unit = LengthUnit(symbol: symbol) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown length unit '\(symbol)'")
        }
        self = unit
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(symbol)
    }
}

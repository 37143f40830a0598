/// A surface material with PBR-style texture slots.
///
/// Texture references are paths relative to the file that names them, '/'-separated; writers store
/// them as given. Displacement follows DESIGN.md: signed distance along the normal, positive outward,
/// `displacementScale` asset units per texel unit, `displacementMidlevel` the texel value of zero.
public struct Material: Sendable, Equatable {
    public var name: String
    /// Linear RGBA base colour in [0, 1]; alpha is opacity. With a base colour texture it is a
    /// factor on the texture where the format composes them (glTF); FBX, OBJ and Collada readers
    /// let the texture replace it, so textured materials should keep it white.
    public var baseColor: SIMD4<Float>
    /// Perceptual roughness in [0, 1]; nil where the source states none.
    public var roughness: Float?
    public var baseColorTexture: String?
    /// Tangent-space normal map, OpenGL convention (+Y green points to +v).
    public var normalTexture: String?
    public var displacementTexture: String?
    public var roughnessTexture: String?
    public var displacementScale: Float
    public var displacementMidlevel: Float

    public init(
        name: String, baseColor: SIMD4<Float> = [0.8, 0.8, 0.8, 1], roughness: Float? = nil,
        baseColorTexture: String? = nil, normalTexture: String? = nil,
        displacementTexture: String? = nil, roughnessTexture: String? = nil,
        displacementScale: Float = 1, displacementMidlevel: Float = 0
    ) {
        self.name = name
        self.baseColor = baseColor
        self.roughness = roughness
        self.baseColorTexture = baseColorTexture
        self.normalTexture = normalTexture
        self.displacementTexture = displacementTexture
        self.roughnessTexture = roughnessTexture
        self.displacementScale = displacementScale
        self.displacementMidlevel = displacementMidlevel
    }

    /// Every texture this material references, by slot.
    public var textures: [(slot: TextureSlot, path: String)] {
        TextureSlot.allCases.compactMap { slot in self[texture: slot].map { (slot, $0) } }
    }

    public subscript(texture slot: TextureSlot) -> String? {
        get {
            switch slot {
            case .baseColor: baseColorTexture
            case .normal: normalTexture
            case .displacement: displacementTexture
            case .roughness: roughnessTexture
            }
        }
        set {
            switch slot {
            case .baseColor: baseColorTexture = newValue
            case .normal: normalTexture = newValue
            case .displacement: displacementTexture = newValue
            case .roughness: roughnessTexture = newValue
            }
        }
    }
}

/// The texture slots of `Material`.
public enum TextureSlot: String, Sendable, CaseIterable, Codable {
    case baseColor, normal, displacement, roughness
}

/// Says, before writing, what a target format will not keep of an asset.
enum LossReport {
    /// Texture slots and the capability a format needs to keep them.
    static let textureSlots: [(TextureSlot, FormatCapabilities)] = [
        (.baseColor, .baseColorTexture), (.normal, .normalTexture),
        (.displacement, .displacementTexture), (.roughness, .roughnessTexture),
    ]

    /// The asset without the texture references `target` cannot store (a slot it lacks, or a file
    /// type it cannot name), so they are neither written nor copied.
    static func droppingUnkeptTextures(_ asset: Asset, for target: FormatDescriptor) -> Asset {
        var out = asset
        for m in out.materials.indices {
            for (slot, path) in out.materials[m].textures where !target.keeps(slot, named: path) {
                out.materials[m][texture: slot] = nil
            }
        }
        return out
    }

    static func mesh(_ asset: Asset, into target: FormatDescriptor) -> [String] {
        mesh(MeshContent(asset), into: target)
    }

    /// What `target` will not keep of a mesh with `content`.
    static func mesh(_ content: MeshContent, into target: FormatDescriptor) -> [String] {
        let caps = target.capabilities
        var lost: [String] = []
        func check(_ present: Bool, _ capability: FormatCapabilities, _ what: String) {
            if present && !caps.contains(capability) { lost.append("\(target.id) does not keep \(what)") }
        }
        check(content.uvs, .uvs, "UVs")
        check(content.normals, .normals, "normals")
        check(content.colors, .vertexColors, "vertex colours")
        check(content.tangents, .tangents, "tangents")
        check(content.morphTargets, .morphTargets, "morph targets (the shape at their default weights is written)")
        check(content.severalMaterials, .materials, "per-face materials (all faces get one)")
        if content.quads && !caps.contains(.quads) { lost.append("\(target.id) stores triangles: quads are split") }
        for (slot, capability) in textureSlots {
            check(content.textures.contains { $0.slot == slot }, capability, "\(slot.rawValue) textures")
        }
        let exr = content.textures.filter { isEXR($0.path) && caps.contains(textureCapability($0.slot)) }
        check(!exr.isEmpty, .exrTextures, "EXR textures (\(Set(exr.map(\.path)).sorted().joined(separator: ", ")))")
        return lost
    }
}

/// What a mesh asset holds, as far as formats differ in keeping it.
struct MeshContent {
    var uvs = false, normals = false, colors = false, tangents = false, quads = false, severalMaterials = false
    var morphTargets = false
    var textures: [(slot: TextureSlot, path: String)] = []

    init() {}

    init(_ asset: Asset) {
        let meshes = asset.meshes
        uvs = meshes.contains(where: \.hasUVs)
        normals = meshes.contains(where: \.hasNormals)
        colors = meshes.contains { !$0.colors.isEmpty }
        tangents = meshes.contains { !$0.tangents.isEmpty }
        morphTargets = meshes.contains(where: \.hasMorphTargets)
        severalMaterials = Set(meshes.flatMap { m in m.faceSizes.indices.map { m.material(ofFace: $0) } }).count > 1
        quads = meshes.contains { $0.faceSizes.contains(4) }
        textures = asset.materials.flatMap(\.textures)
    }
}

extension FormatDescriptor {
    /// Whether this format's files keep a reference to `path` in `slot`: the slot is a declared
    /// capability, and so is the file type where it is one the format may not name (EXR).
    public func keeps(_ slot: TextureSlot, named path: String) -> Bool {
        capabilities.contains(LossReport.textureCapability(slot))
            && (capabilities.contains(.exrTextures) || !LossReport.isEXR(path))
    }
}

extension Asset {
    /// The asset with only the texture references `format` keeps (`FormatDescriptor.keeps`).
    public func keepingTextures(for format: FormatDescriptor) -> Asset {
        LossReport.droppingUnkeptTextures(self, for: format)
    }
}

extension LossReport {
    static func textureCapability(_ slot: TextureSlot) -> FormatCapabilities {
        textureSlots.first { $0.0 == slot }!.1
    }

    static func isEXR(_ path: String) -> Bool { path.lowercased().hasSuffix(".exr") }
}

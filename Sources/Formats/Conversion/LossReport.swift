/// Says, before writing, what a target format will not keep of an asset.
enum LossReport {
    /// Texture slots and the capability a format needs to keep them.
    static let textureSlots: [(TextureSlot, FormatCapabilities)] = [
        (.baseColor, .baseColorTexture), (.normal, .normalTexture),
        (.displacement, .displacementTexture), (.roughness, .roughnessTexture),
    ]

    /// The asset without the texture references `target` cannot store, so they are not copied.
    static func droppingUnkeptTextures(_ asset: Asset, for target: FormatDescriptor) -> Asset {
        var out = asset
        for (slot, capability) in textureSlots where !target.capabilities.contains(capability) {
            for m in out.materials.indices { out.materials[m][texture: slot] = nil }
        }
        return out
    }

    static func mesh(_ asset: Asset, into target: FormatDescriptor) -> [String] {
        let caps = target.capabilities
        var lost: [String] = []
        func check(_ present: Bool, _ capability: FormatCapabilities, _ what: String) {
            if present && !caps.contains(capability) { lost.append("\(target.id) does not keep \(what)") }
        }
        let meshes = asset.meshes
        check(meshes.contains(where: \.hasUVs), .uvs, "UVs")
        check(meshes.contains(where: \.hasNormals), .normals, "normals")
        check(meshes.contains { !$0.colors.isEmpty }, .vertexColors, "vertex colours")
        check(meshes.contains { !$0.tangents.isEmpty }, .tangents, "tangents")
        let used = Set(meshes.flatMap { m in m.faceSizes.indices.map { m.material(ofFace: $0) } })
        check(used.count > 1, .materials, "per-face materials (all faces get one)")
        if meshes.contains(where: { $0.faceSizes.contains(4) }) && !caps.contains(.quads) {
            lost.append("\(target.id) stores triangles: quads are split")
        }
        for (slot, capability) in textureSlots {
            check(asset.materials.contains { $0[texture: slot] != nil }, capability, "\(slot.rawValue) textures")
        }
        return lost
    }
}

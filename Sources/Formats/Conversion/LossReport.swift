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
        let exr = asset.materials.flatMap(\.textures).filter {
            isEXR($0.path) && caps.contains(textureCapability($0.slot))
        }
        check(!exr.isEmpty, .exrTextures, "EXR textures (\(Set(exr.map(\.path)).sorted().joined(separator: ", ")))")
        return lost
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

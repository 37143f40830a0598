import Formats

/// A baked tangent-space normal map kept in the form its files need: RGB floats in [−1, 1] when an
/// EXR is written too, else the 16-bit words of the PNG (n · 0.5 + 0.5 over 0…65535), which take
/// half the memory (a 4096² map: 100 MB instead of 201) and are handed to the PNG encoder as they
/// are, without a second copy. The PNG's bytes are the same either way.
public enum BakedNormals: Sendable {
    case floats(Image<Float>)
    case words(Image<UInt16>)

    /// The normals as floats (words decoded; within 1/65535 of what was baked).
    public var floats: Image<Float> {
        switch self {
        case .floats(let image): return image
        case .words(let image): return image.map { Float($0) / 65535 * 2 - 1 }
        }
    }

    /// The file's pixels: a 16-bit PNG's words, or an EXR's half floats (from the floats when kept).
    public func asset(as kind: PixelComponentKind) throws -> ImageAsset {
        switch (kind, self) {
        case (.uint16, .words(let image)): ImageAsset(image: .uint16(image))
        default: try NormalMapBaker.encoded(floats, as: kind)
        }
    }

}

extension NormalMapBaker {
    /// The normals of `map` on `mesh` (mm) as floats, or straight as the PNG's words.
    public func baked(_ map: DisplacementMap, on mesh: Mesh, keepingFloats: Bool) -> BakedNormals {
        keepingFloats
            ? .floats(bake(map, on: [mesh], meshUnit: .millimetre))
            : .words(bake(map, on: [mesh], meshUnit: .millimetre, as: UInt16.self))
    }
}

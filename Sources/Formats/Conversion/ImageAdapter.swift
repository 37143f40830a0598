/// Turns an image into one the target format stores, by the rules DESIGN.md sets for maps.
///
/// Float → 16-bit integer: with a range r, [−r, +r] maps linearly onto [0, 65535] (values outside
/// are clamped and counted); without one, [0, 1] maps onto [0, 65535]. Integer → float: the
/// inverse of those maps. Same-kind conversions keep every value.
struct ImageAdapter {
    let range: Float?

    func adapt(_ asset: ImageAsset, to target: FormatDescriptor) throws -> (ImageAsset, [String]) {
        let caps = target.capabilities
        var warnings: [String] = []
        if let range, !(range > 0 && range.isFinite) {
            throw FormatError(.unsupported, "--range must be a positive number of value units, got \(range)")
        }
        if !asset.attributes.isEmpty && !caps.contains(.attributes) {
            warnings.append(
                "\(target.id) does not keep header attributes (\(asset.attributes.keys.sorted().joined(separator: ", ")))"
            )
        }
        let kind = asset.image.componentKind
        let keeps: [PixelComponentKind: FormatCapabilities] = [
            .uint8: .uint8, .uint16: .uint16, .float16: .float16, .float32: .float32,
        ]
        if caps.contains(keeps[kind]!) { return (asset, warnings) }
        if kind == .float16 || kind == .float32 {
            guard caps.contains(.uint16) else { throw unsupported(target, kind) }
            let floats = asset.image.normalizedFloats()
            let (lo, hi) = range.map { (-$0, $0) } ?? (0, 1)
            var clamped = 0
            let image = floats.map { v -> UInt16 in
                let t = (v - lo) / (hi - lo)
                if !(t >= 0 && t <= 1) { clamped += 1 }
                let c = t.isNaN ? 0 : min(max(t, 0), 1)
                return UInt16((c * 65535).rounded())
            }
            if clamped > 0 { warnings.append("\(clamped) values outside [\(lo), \(hi)] were clamped") }
            if range == nil { warnings.append("no --range given: float values map from [0, 1]") }
            return (ImageAsset(image: .uint16(image), channelNames: asset.channelNames), warnings)
        }
        guard caps.contains(.float32) else { throw unsupported(target, kind) }
        var floats = asset.image.normalizedFloats()
        if let range { floats = floats.map { $0 * 2 * range - range } }
        return (
            ImageAsset(image: .float32(floats), channelNames: asset.channelNames, attributes: asset.attributes),
            warnings
        )
    }

    private func unsupported(_ target: FormatDescriptor, _ kind: PixelComponentKind) -> FormatError {
        FormatError(.unsupported, "\(target.id) cannot store \(kind.rawValue) images, nor a conversion of them")
    }
}

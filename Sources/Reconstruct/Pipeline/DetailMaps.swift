import Formats
import Foundation

/// One image file of a reconstruction, encoded on demand (the encodings run in parallel).
struct ImageJob: Sendable {
    let name: String
    let format: FormatDescriptor
    /// Estimated encoding seconds (`EncodingCost.image`).
    let cost: Double
    let make: @Sendable () throws -> ImageAsset

    /// `texels` samples of `bytesPerTexel` each, encoded as `format` by `make`.
    init(
        name: String, format: FormatDescriptor, texels: Int, bytesPerTexel: Int,
        make: @escaping @Sendable () throws -> ImageAsset
    ) {
        self.name = name
        self.format = format
        cost = EncodingCost.image(texels: texels, bytesPerTexel: bytesPerTexel, format: format)
        self.make = make
    }

    /// The file's bytes.
    func encoded() throws -> [UInt8] {
        let sink = MemorySink()
        try format.imageWriter!.write(make(), fileName: name, to: sink)
        return sink.files[name]!
    }
}

/// The map files of a reconstruction (DESIGN.md §3) and the material slots that name them.
struct DetailMaps {
    /// displacement.exr first, then the normal maps and displacement.png as `kinds` asks.
    var images: [ImageJob] = []
    /// Slots of the proxy's face material (normal map, displacement), nil without detail.
    var proxyMaterial: Material?
    /// Slots of the detailed mesh's face material (its residual normal map).
    var detailedMaterial: Material?
    /// The 16-bit displacement.png spans [−r, +r] mm over [0, 65535]; r here (nil: no PNG).
    var pngRange: Float?

    init() {}

    init(_ products: DetailStage.Products, kinds: [MapFileType]) {
        let values = products.detail.displacement.values
        let texels = values.width * values.height
        // displacement.exr: one float channel "Y", mm, with units / midlevel / scale attributes.
        images.append(
            ImageJob(name: "displacement.exr", format: .openEXR, texels: texels, bytesPerTexel: 4) {
                ImageAsset(
                    image: .float32(values), channelNames: ["Y"],
                    attributes: ["units": .string("mm"), "midlevel": .float(0), "scale": .float(1)])
            })
        let png = kinds.contains(.png)
        let exr = kinds.contains(.exr)
        for (stem, normals) in [("normal", products.normalMap), ("detailed_normal", products.detailedNormalMap)] {
            if exr {
                images.append(
                    ImageJob(name: "\(stem).exr", format: .openEXR, texels: texels, bytesPerTexel: 6) {
                        try normals.asset(as: .float16)
                    })
            }
            if png {
                images.append(
                    ImageJob(name: "\(stem).png", format: .png, texels: texels, bytesPerTexel: 6) {
                        try normals.asset(as: .uint16)
                    })
            }
        }
        if png {
            let largest = values.pixels.reduce(Float(0)) { max($0, abs($1)) }
            let r = max(0.1, (largest * 10).rounded(.up) / 10)
            pngRange = r
            images.append(
                ImageJob(name: "displacement.png", format: .png, texels: texels, bytesPerTexel: 2) {
                    ImageAsset(
                        image: .uint16(values.map { UInt16(((min(max($0 / r, -1), 1) + 1) / 2 * 65535).rounded()) }))
                })
        }
        let normalExtension = png ? "png" : "exr"
        proxyMaterial = Material(
            name: "", normalTexture: "normal.\(normalExtension)", displacementTexture: "displacement.exr",
            displacementScale: 1, displacementMidlevel: 0)
        detailedMaterial = Material(name: "", normalTexture: "detailed_normal.\(normalExtension)")
    }
}

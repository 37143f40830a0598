import Foundation

/// Checks the images a GLB carries in its binary chunk: each one whose `mimeType` is a format we
/// read must decode as one (within `ImageLimits`). `AssimpPassThrough` writes GLB with Assimp's
/// exporter, which copies the input's embedded images without looking at them; this is the same
/// check `TextureCollector` makes on the general path (issue 19: a garbage image used to reach
/// the output as it was).
enum GLBImageCheck {
    /// `mimeType` → the format whose reader decodes it.
    static let readers: [String: FormatDescriptor] = ["image/png": .png, "image/jpeg": .jpeg]

    /// Throws when an embedded image does not decode; `path` names the output in messages.
    static func check(_ glb: [UInt8], path: String, limits: ImageLimits) throws {
        func damaged(_ why: String) -> FormatError {
            FormatError(.malformed, path: path, "Assimp's GLB cannot be checked", reason: why)
        }
        var reader = ByteReader(glb, what: "GLB")
        guard try reader.read(UInt32.self) == 0x4654_6C67 else { throw damaged("no glTF magic") }
        _ = try reader.read(UInt32.self)  // version
        _ = try reader.read(UInt32.self)  // total length
        let jsonLength = Int(try reader.read(UInt32.self))
        guard try reader.read(UInt32.self) == 0x4E4F_534A else { throw damaged("the first chunk is not JSON") }
        let json = try reader.readBytes(jsonLength)
        var binary: ArraySlice<UInt8> = []
        if reader.remaining >= 8 {
            let binaryLength = Int(try reader.read(UInt32.self))
            if try reader.read(UInt32.self) == 0x004E_4942 { binary = try reader.readBytes(binaryLength) }
        }
        guard let document = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw damaged("its JSON chunk does not parse")
        }
        let views = document["bufferViews"] as? [[String: Any]] ?? []
        for (index, image) in (document["images"] as? [[String: Any]] ?? []).enumerated() {
            guard let mime = image["mimeType"] as? String, let format = readers[mime],
                let viewIndex = image["bufferView"] as? Int, views.indices.contains(viewIndex),
                (views[viewIndex]["buffer"] as? Int ?? 0) == 0
            else { continue }
            let offset = views[viewIndex]["byteOffset"] as? Int ?? 0
            let length = views[viewIndex]["byteLength"] as? Int ?? 0
            guard offset >= 0, length >= 0, offset <= binary.count - length else {
                throw damaged("image \(index)'s buffer view lies outside the binary chunk")
            }
            let start = binary.startIndex + offset
            let bytes = Array(binary[start..<start + length])
            do {
                _ = try format.imageReader!.decodeImage(bytes, path: "image \(index)", limits: limits)
            } catch {
                throw FormatError(
                    .malformed, path: path,
                    "embedded texture \(index) is not a readable \(format.id) image (\(bytes.count) bytes)",
                    cause: error)
            }
        }
    }
}

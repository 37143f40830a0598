import Foundation

/// Copies the texture files an asset's materials name into the output, keeping their relative
/// paths, so the written file's references resolve beside it.
///
/// A reference is resolved against the input's folder; one that is absolute or leads outside that
/// folder tree (through "..", or a symbolic link) is refused, not followed. Embedded textures are
/// written from `Asset.embeddedFiles` once they decode as the image their name says (a glTF's
/// `data:` URI of garbage would otherwise become a 6-byte "PNG"). A missing file keeps its
/// reference and earns a warning.
struct TextureCollector {
    let inputFolder: URL
    let sink: any FileSink
    var registry = FormatRegistry.standard
    var limits = ImageLimits.standard

    func collect(_ asset: Asset) throws -> (asset: Asset, warnings: [String]) {
        var out = asset
        var warnings: [String] = []
        var written: Set<String> = []
        for m in out.materials.indices {
            for (slot, reference) in out.materials[m].textures {
                if let bytes = asset.embeddedFiles[reference] {
                    if written.insert(reference).inserted {
                        try checkEmbedded(bytes, named: reference)
                        try sink.write(bytes, to: reference)
                    }
                    continue
                }
                if reference.replacingOccurrences(of: "\\", with: "/").hasPrefix("*") {
                    warnings.append("embedded texture \(reference) is in a form facedetail cannot extract; dropped")
                    out.materials[m][texture: slot] = nil
                    continue
                }
                let placed = try place(reference, written: &written)
                if let warning = placed.warning { warnings.append(warning) }
                out.materials[m][texture: slot] = placed.relative
            }
        }
        out.embeddedFiles = [:]
        return (out, warnings)
    }

    /// An embedded image whose name says it is a format we read must decode as one: the check
    /// that the bytes are an image at all. Formats we do not read (DDS, TGA, …) pass as they are.
    private func checkEmbedded(_ bytes: [UInt8], named name: String) throws {
        let ext = (name as NSString).pathExtension.lowercased()
        guard let format = registry.formats.first(where: { $0.imageReader != nil && $0.extensions.contains(ext) })
        else { return }
        do {
            _ = try format.imageReader!.decodeImage(bytes, path: name, limits: limits)
        } catch {
            throw FormatError(
                .malformed, path: name, "embedded texture is not a readable \(format.id) image (\(bytes.count) bytes)",
                cause: error)
        }
    }

    /// Checks `reference` (a file the input names) and copies it into the output under its path
    /// relative to the input's folder, once per path; returns that path, and a warning when the
    /// file is missing (the reference is kept). A reference outside the folder tree is refused.
    func place(_ reference: String, written: inout Set<String>) throws -> (relative: String, warning: String?) {
        let root = inputFolder.standardizedFileURL.resolvingSymlinksInPath().path
        let path = reference.replacingOccurrences(of: "\\", with: "/")
        let isAbsolute = path.hasPrefix("/") || (path.count > 1 && path.dropFirst().first == ":")
        let resolved = inputFolder.appendingPathComponent(path).standardizedFileURL.resolvingSymlinksInPath().path
        guard !isAbsolute, resolved.hasPrefix(root + "/") else {
            throw FormatError(
                .refusedReference, path: reference,
                "texture reference points outside the input's folder (\(root)); refused")
        }
        let relative = String(resolved.dropFirst(root.count + 1))
        guard FileManager.default.isReadableFile(atPath: resolved) else {
            return (relative, "texture \(reference) not found beside the input; reference kept")
        }
        if written.insert(relative).inserted {
            guard let data = FileManager.default.contents(atPath: resolved) else {
                throw FormatError(.unreadable, path: resolved, "texture cannot be read")
            }
            try sink.write(data, to: relative)
        }
        return (relative, nil)
    }
}

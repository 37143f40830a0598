import Foundation

extension FormatRegistry {
    /// Writes `asset` as `url` (format from `formatID`, else the extension) with its sidecars, all
    /// at once or not at all; returns the format and every file written, main file first.
    @discardableResult
    public func writeMesh(
        _ asset: Asset, to url: URL, formatID: String? = nil,
        options: MeshWriteOptions = MeshWriteOptions()
    ) throws -> (format: FormatDescriptor, files: [URL]) {
        let target = try writerFormat(id: formatID, for: url)
        guard target.kind == .mesh, let writer = target.meshWriter else {
            throw FormatError(.unsupported, path: url.path, "\(target.id) is not a mesh format")
        }
        do {
            let files = try DirectorySink(directory: url.deletingLastPathComponent()).committing { sink in
                try writer.write(asset, fileName: url.lastPathComponent, to: sink, options: options)
                return sink.paths
            }
            return (target, [url] + files.filter { $0.standardizedFileURL != url.standardizedFileURL })
        } catch let error as FormatError {
            throw error.at(url.path)
        }
    }

    /// Writes `image` as `url` (format from `formatID`, else the extension), all at once or not at all.
    public func writeImage(_ image: ImageAsset, to url: URL, formatID: String? = nil) throws {
        let target = try writerFormat(id: formatID, for: url)
        guard let writer = target.imageWriter else {
            throw FormatError(.unsupported, path: url.path, "\(target.id) is not an image format")
        }
        do {
            try DirectorySink(directory: url.deletingLastPathComponent()).committing { sink in
                try writer.write(image, fileName: url.lastPathComponent, to: sink)
            }
        } catch let error as FormatError {
            throw error.at(url.path)
        }
    }
}

import Formats
import Foundation

/// A list of photos for a batch (`reconstruct --manifest LIST`): one path per line, blank lines
/// and lines starting with `#` skipped, relative paths taken from the list's own folder (so a
/// list travels with its photos to any node of a cluster).
public struct PhotoList: Sendable {
    /// The photos in list order.
    public let photos: [URL]

    public init(photos: [URL]) { self.photos = photos }

    public init(contentsOf url: URL) throws {
        let bytes = try FileContents.read(url)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReconstructError(.invalidArgument, path: url.path, "is not a UTF-8 list of photo paths")
        }
        let folder = url.deletingLastPathComponent()
        photos = text.split(whereSeparator: \.isNewline).compactMap { raw -> URL? in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            return line.hasPrefix("/") ? URL(fileURLWithPath: line) : folder.appendingPathComponent(line)
        }
        guard !photos.isEmpty else {
            throw ReconstructError(.invalidArgument, path: url.path, "lists no photos")
        }
    }

    /// The `index`-th of `count` deterministic shards (0-based), as array-job schedulers number
    /// their tasks: every `count`-th photo from the `index`-th, so shards differ in size by at most one.
    public struct Shard: Sendable, Equatable, CustomStringConvertible {
        public let index: Int
        public let count: Int

        public init?(index: Int, count: Int) {
            guard count > 0, (0..<count).contains(index) else { return nil }
            self.index = index
            self.count = count
        }

        /// "I/N".
        public init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
            self.init(index: i, count: n)
        }

        public static let whole = Shard(index: 0, count: 1)!
        public var description: String { "\(index)/\(count)" }
        /// The summary file's name: "shard-I-of-N.jsonl".
        public var summaryName: String { "shard-\(index)-of-\(count).jsonl" }
    }

    /// The photos of `shard`, in list order.
    public func photos(in shard: Shard) -> [URL] {
        photos.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
    }

    /// The output name of each photo (its file name without extension); throws when two photos of
    /// the whole list share one, since every shard must agree on every folder.
    public func checkedNames() throws -> [String] {
        var seen: [String: URL] = [:]
        return try photos.map { photo in
            let name = photo.deletingPathExtension().lastPathComponent
            if let other = seen[name] {
                throw ReconstructError(
                    .invalidArgument, path: photo.path, "its outputs would overwrite those of \(other.path)",
                    reason: "photos in one list need different file names")
            }
            seen[name] = photo
            return name
        }
    }
}

extension ReconstructionPipeline {
    /// True when `folder` already holds this pipeline's outputs for the photo whose bytes hash to
    /// `sha256`: its manifest names the same pipeline version, photo checksum and options. A
    /// retried shard skips such photos instead of redoing them.
    public func isUpToDate(_ folder: URL, photoSHA256 sha256: String) -> Bool {
        struct Recorded: Decodable {
            struct Input: Decodable { let sha256: String? }
            let facedetail: String
            let input: Input
            let options: ReconstructionOptions
            let files: [ManifestFile]
        }
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("manifest.json").path),
            let recorded = try? JSONDecoder().decode(Recorded.self, from: data),
            recorded.facedetail == Reconstruct.pipelineVersion, recorded.input.sha256 == sha256,
            recorded.options == options
        else { return false }
        // Every file the manifest lists is still there at its size (a file removed or cut short
        // since is redone).
        return recorded.files.allSatisfy { file in
            let attributes = try? FileManager.default.attributesOfItem(
                atPath: folder.appendingPathComponent(file.name).path)
            return (attributes?[.size] as? NSNumber)?.intValue == file.bytes
        }
    }
}

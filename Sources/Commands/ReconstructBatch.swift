import ArgumentParser
import Formats
import Foundation
import Reconstruct

extension PhotoList.Shard: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `reconstruct --manifest LIST [--shard I/N]` (docs/batch.md): the photos of one shard, the
/// outputs already up to date (a retried shard redoes nothing), and the shard's summary,
/// OUT/shard-I-of-N.jsonl, one JSON line per photo in list order.
struct ReconstructBatch {
    let list: PhotoList?
    let shard: PhotoList.Shard
    let paths: [String]

    init(manifest: String?, shard: PhotoList.Shard?, photos: [String]) throws {
        self.shard = shard ?? .whole
        guard let manifest else {
            list = nil
            paths = photos
            return
        }
        let list = try PhotoList(contentsOf: URL(fileURLWithPath: manifest))
        // Every shard checks the whole list, so all agree on every folder's name.
        _ = try list.checkedNames()
        self.list = list
        paths = list.photos(in: self.shard).map(\.path)
    }

    /// With a list, a photo whose folder holds this pipeline's outputs for its bytes is skipped.
    /// The photo is read and hashed only when its folder has a manifest, so a first run reads
    /// each photo once.
    func skipsUpToDate(_ photo: URL, folder: URL, pipeline: ReconstructionPipeline) -> Bool {
        guard list != nil, FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.json").path),
            let bytes = try? FileContents.read(photo)
        else { return false }
        return pipeline.isUpToDate(folder, photoSHA256: SHA256.hex(bytes))
    }

    /// One photo's line of the summary.
    struct Record: Encodable {
        let photo: String
        let name: String
        /// done, upToDate, noFace or failed.
        let status: String
        let error: String?
    }

    func writeSummary(of outcome: BatchOutcome, upToDate: Set<String>, into output: URL) throws {
        guard list != nil else { return }
        var lines: [UInt8] = []
        for path in paths {
            let error = outcome.errors[path]
            let status =
                error.map { ExitStatus.of($0) == .noFace ? "noFace" : "failed" }
                ?? (upToDate.contains(path) ? "upToDate" : "done")
            let record = Record(
                photo: path, name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                status: status, error: error.map { "\($0)" })
            lines += try StableJSON.line(record) + [0x0A]
        }
        try DirectorySink(directory: output).committing { try $0.write(lines, to: shard.summaryName) }
    }
}

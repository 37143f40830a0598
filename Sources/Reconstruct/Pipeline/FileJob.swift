import Formats
import Foundation

/// One output of a reconstruction to encode: a map or texture, or a mesh in one format (which may
/// write companion files such as OBJ's .mtl). Jobs run two at a time (the encodings are zlib- and
/// CPU-bound); each job's bytes depend only on its input, so files do not depend on scheduling.
struct FileJob: Sendable {
    struct File: Sendable {
        var record: ManifestFile
        var bytes: [UInt8]
    }

    private let make: @Sendable () throws -> [File]

    init(_ image: ImageJob) {
        make = {
            let bytes = try image.encoded()
            return [
                File(
                    record: ManifestFile(name: image.name, format: image.format.id, unit: nil, contents: bytes),
                    bytes: bytes)
            ]
        }
    }

    /// A file whose bytes are already made (small JSON records).
    init(name: String, format: String, unit: String?, bytes: [UInt8]) {
        make = { [File(record: ManifestFile(name: name, format: format, unit: unit, contents: bytes), bytes: bytes)] }
    }

    init(mesh asset: Asset, stem: String, format: FormatDescriptor, options: MeshWriteOptions) {
        make = {
            let sink = MemorySink()
            try format.meshWriter!.write(
                asset, fileName: "\(stem).\(format.primaryExtension)", to: sink, options: options)
            return sink.order.map { name in
                let bytes = sink.files[name]!
                let unit =
                    name.hasPrefix("\(stem).\(format.primaryExtension)") ? format.fileUnit(for: options).symbol : nil
                return File(
                    record: ManifestFile(name: name, format: format.id, unit: unit, contents: bytes), bytes: bytes)
            }
        }
    }

    /// Every job's files, in job order; the first error in job order is thrown.
    static func run(_ jobs: [FileJob]) throws -> [[File]] {
        let slots = Slots<Result<[File], any Error>>(jobs.count)
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for k in stride(from: lane, to: jobs.count, by: 2) { slots.put(k, Result { try jobs[k].make() }) }
        }
        return try (0..<jobs.count).map { try slots.take($0).get() }
    }
}

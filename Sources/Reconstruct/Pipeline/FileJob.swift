import Formats
import Foundation

/// One output of a reconstruction to encode: a map or texture, or a mesh in one format (which may
/// write companion files such as OBJ's .mtl). Jobs run on two lanes, the costliest first, each lane
/// taking the next job when it is free; each job's bytes depend only on its input, so the files do
/// not depend on the scheduling.
struct FileJob: Sendable {
    struct File: Sendable {
        var record: ManifestFile
        var bytes: [UInt8]
    }

    /// Estimated encoding seconds (`EncodingCost`), for the order the lanes take jobs in.
    let cost: Double
    private let make: @Sendable () throws -> [File]

    init(_ image: ImageJob) {
        cost = image.cost
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
        cost = 0
        make = { [File(record: ManifestFile(name: name, format: format, unit: unit, contents: bytes), bytes: bytes)] }
    }

    init(mesh asset: Asset, stem: String, format: FormatDescriptor, options: MeshWriteOptions) {
        cost = EncodingCost.mesh(polygons: asset.faceCount)
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

    /// Runs every job and hands each file to `deliver` as soon as its job is done (one call at a
    /// time, in completion order), so that writing overlaps encoding and no finished file waits in
    /// memory for the others. Returns each job's records, in job order; the first error in job
    /// order is thrown, after every job has finished.
    static func run(_ jobs: [FileJob], deliver: @escaping (File) throws -> Void) throws -> [[ManifestFile]] {
        let order = jobs.indices.sorted { (jobs[$0].cost, $1) > (jobs[$1].cost, $0) }
        let slots = Slots<Result<[ManifestFile], any Error>>(jobs.count)
        let queue = JobQueue(order)
        let delivering = NSLock()
        nonisolated(unsafe) let deliver = deliver
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let k = queue.next() {
                slots.put(
                    k,
                    Result {
                        let files = try jobs[k].make()
                        try delivering.withLock { for file in files { try deliver(file) } }
                        return files.map(\.record)
                    })
            }
        }
        return try jobs.indices.map { try slots.take($0).get() }
    }
}

/// Indices handed out one at a time to whichever lane asks.
private final class JobQueue: @unchecked Sendable {
    private let order: [Int]
    private var taken = 0
    private let lock = NSLock()
    init(_ order: [Int]) { self.order = order }
    func next() -> Int? {
        lock.withLock {
            guard taken < order.count else { return nil }
            defer { taken += 1 }
            return order[taken]
        }
    }
}

/// Estimated seconds to encode an output on one core, from `reconstruct --uv-size 2048` on the
/// project's 2-core machine; only the order of jobs depends on it.
enum EncodingCost {
    /// PNG (libdeflate level 1) per byte of samples; EXR (zlib level 1, floats) costs about
    /// 2.8 × as much per byte.
    static func image(texels: Int, bytesPerTexel: Int, format: FormatDescriptor) -> Double {
        Double(texels * bytesPerTexel) * 7.5e-9 * (format.id == FormatDescriptor.openEXR.id ? 2.8 : 1)
    }

    /// Any mesh format: about 1.6 µs per polygon (OBJ text, FBX and GLB alike).
    static func mesh(polygons: Int) -> Double { Double(polygons) * 1.6e-6 }
}

import CHDF5
import Foundation

/// What a Keras model file holds, read by libhdf5 in a forked child bounded in time and memory
/// (`fd_h5_read_keras`): libhdf5 trusts its input and overreads the heap on some damaged files
/// (found by fuzzing), so it never runs in this process. Holds the root's string attributes, the
/// groups and float datasets under the weights root, and each group's `weight_names`, by path.
/// Every failure is a `NeuralError` naming the file, the object and libhdf5's reason.
struct HDF5Snapshot {
    /// The file, for messages.
    let path: String
    /// String attributes by "object\0name": their elements, or why they did not read.
    private var attributes: [String: Result<[String], Failure>] = [:]
    private var groups: Set<String> = []
    /// Datasets by path: the values, or why they did not read.
    private var datasets: [String: Result<Tensor, Failure>] = [:]

    struct Failure: Error { let reason: String }

    /// CPU time the child may use, seconds (its wall-clock backstop is `fd_isolation`'s): the
    /// 0.9 MB emotion model reads in about 10 ms, and a damaged file found by fuzzing makes
    /// libhdf5 loop forever.
    static let cpuSeconds = 10.0
    /// Memory the child may take beyond this process's, bytes.
    static let memoryBudget: UInt64 = 4 << 30

    /// Reads `url` in a child. Refuses a missing, unreadable or non-regular file before forking.
    static func read(_ url: URL) throws -> HDF5Snapshot {
        let payload = try readPayload(url)
        return try HDF5Snapshot(decoding: payload, path: url.path)
    }

    /// The child's snapshot bytes for `url` (the format is in fd_hdf5.h).
    static func readPayload(_ url: URL) throws -> [UInt8] {
        let path = url.path
        var status = stat()
        guard stat(path, &status) == 0, access(path, R_OK) == 0 else {
            throw NeuralError(.io, path: path, "cannot read the file", reason: "missing or unreadable")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw NeuralError(.io, path: path, "is not a regular file, expected a Keras HDF5 file")
        }
        var error = [CChar](repeating: 0, count: 1024)
        var data: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        let code = fd_h5_read_keras(path, cpuSeconds, memoryBudget, &data, &size, &error, error.count)
        defer { fd_h5_free(data) }
        guard code == 0, let data else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw NeuralError(code == 2 ? .io : .malformed, path: path, reason)
        }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Decodes a snapshot; bytes that do not follow the format are refused as damaged.
    init(decoding payload: [UInt8], path: String) throws {
        self.path = path
        var reader = SnapshotReader(bytes: payload)
        func damaged() -> NeuralError {
            NeuralError(.malformed, path: path, "libhdf5's reader sent a damaged snapshot")
        }
        while !reader.atEnd {
            guard let kind = reader.byte() else { throw damaged() }
            switch kind {
            case UInt8(ascii: "A"), UInt8(ascii: "a"):
                guard let object = reader.text(), let name = reader.text() else { throw damaged() }
                if kind == UInt8(ascii: "A") {
                    guard let count = reader.u32(), let text = reader.text() else { throw damaged() }
                    let elements = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    attributes[object + "\0" + name] = .success(count == 0 ? [] : elements)
                } else {
                    guard let reason = reader.text() else { throw damaged() }
                    attributes[object + "\0" + name] = .failure(Failure(reason: reason))
                }
            case UInt8(ascii: "G"):
                guard let group = reader.text() else { throw damaged() }
                groups.insert(group)
            case UInt8(ascii: "D"):
                guard let dataset = reader.text(), let rank = reader.u32(), rank <= 8 else { throw damaged() }
                var shape: [Int] = []
                var count = 1
                for _ in 0..<rank {
                    guard let d = reader.u64(), d <= UInt64(Int32.max) else { throw damaged() }
                    shape.append(Int(d))
                    let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
                    guard !overflow else { throw damaged() }
                    count = product
                }
                guard let values = reader.floats(count) else { throw damaged() }
                datasets[dataset] = .success(try Tensor(shape: shape, values: values))
            case UInt8(ascii: "d"):
                guard let dataset = reader.text(), let reason = reader.text() else { throw damaged() }
                datasets[dataset] = .failure(Failure(reason: reason))
            default: throw damaged()
            }
        }
    }

    /// The string attribute `name` of `object`; a list attribute gives its elements.
    func strings(_ name: String, of object: String = "/") throws -> [String] {
        switch attributes[object + "\0" + name] {
        case .success(let elements): return elements
        case .failure(let failure):
            throw NeuralError(.malformed, path: path, "attribute '\(name)' on '\(object)': \(failure.reason)")
        case nil: throw NeuralError(.malformed, path: path, "no attribute '\(name)' on '\(object)'")
        }
    }

    /// Whether a group or dataset exists at `path` (under the weights root, or the root itself).
    func exists(_ path: String) -> Bool { path == "/" || groups.contains(path) || datasets[path] != nil }

    /// The dataset at `path` as a tensor of its own shape.
    func tensor(_ path: String) throws -> Tensor {
        switch datasets[path] {
        case .success(let tensor): return tensor
        case .failure(let failure): throw NeuralError(.malformed, path: self.path, "\(path): \(failure.reason)")
        case nil: throw NeuralError(.malformed, path: self.path, "\(path): no such dataset")
        }
    }
}

/// Reads a snapshot's fields in host byte order, each read nil past the end.
private struct SnapshotReader {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func byte() -> UInt8? { take(1)?.first }

    mutating func u32() -> UInt32? {
        take(4).map { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } }
    }

    mutating func u64() -> UInt64? {
        take(8).map { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
    }

    mutating func text() -> String? {
        guard let count = u32(), let slice = take(Int(count)) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func floats(_ count: Int) -> [Float]? {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow, let slice = take(byteCount) else { return nil }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            slice.withUnsafeBytes { raw in
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw) }
            }
            initialized = count
        }
    }
}

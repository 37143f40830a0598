import CHDF5
import Foundation

/// One HDF5 file open for reading, through the CHDF5 shim: string attributes, dataset shapes and
/// float datasets by path. Every failure is a `NeuralError` naming the file, the object and
/// libhdf5's reason. Not for concurrent use (Debian's libhdf5 is built without thread safety).
final class HDF5File {
    let url: URL
    private let id: Int64

    init(_ url: URL) throws {
        self.url = url
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw NeuralError(.io, path: url.path, "cannot read the file", reason: "missing or unreadable")
        }
        var error = [CChar](repeating: 0, count: 512)
        id = fd_h5_open(url.path, &error, error.count)
        guard id >= 0 else { throw NeuralError(.malformed, path: url.path, Self.text(error)) }
    }

    deinit { fd_h5_close(id) }

    /// The string attribute `name` of `object`; a list attribute gives its elements.
    func strings(_ name: String, of object: String = "/") throws -> [String] {
        var error = [CChar](repeating: 0, count: 512)
        var out: UnsafeMutablePointer<CChar>? = nil
        let count = fd_h5_string_attribute(id, object, name, &out, &error, error.count)
        defer { fd_h5_free(out) }
        guard count >= 0, let out else { throw NeuralError(.malformed, path: url.path, Self.text(error)) }
        guard count > 0 else { return [] }
        return String(cString: out).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func exists(_ path: String) throws -> Bool {
        var error = [CChar](repeating: 0, count: 512)
        let found = fd_h5_exists(id, path, &error, error.count)
        guard found >= 0 else { throw NeuralError(.malformed, path: url.path, "\(path): \(Self.text(error))") }
        return found == 1
    }

    /// The dataset at `path` as a tensor of its own shape.
    func tensor(_ path: String) throws -> Tensor {
        var error = [CChar](repeating: 0, count: 512)
        var dims = [Int64](repeating: 0, count: 8)
        let rank = fd_h5_dataset_shape(id, path, &dims, Int32(dims.count), &error, error.count)
        guard rank >= 0 else { throw NeuralError(.malformed, path: url.path, "\(path): \(Self.text(error))") }
        let shape = dims.prefix(Int(rank)).map { Int($0) }
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        guard fd_h5_read_floats(id, path, &values, values.count, &error, error.count) == 0 else {
            throw NeuralError(.malformed, path: url.path, "\(path): \(Self.text(error))")
        }
        return try Tensor(shape: shape, values: values)
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Errors
import Foundation

/// Weights in the safetensors format (huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of JSON mapping each tensor name to {"dtype", "shape", "data_offsets":
/// [begin, end]} (offsets into the data that follows; an optional "__metadata__" maps strings to
/// strings), then the raw little-endian tensor data. Tensors of every numeric type are read into
/// float32 (`StorageType` says how); the type each was stored as is kept in `storage`, so that
/// writing the file again stores them the same way.
///
/// Reading checks everything the format promises — header inside the file, valid JSON, each entry
/// well formed, byte counts matching shapes, offsets inside the data, no overlaps, no holes — so
/// a damaged or foreign file fails with a message naming the file and the problem, never a crash.
/// Writing is deterministic: names in sorted order, header padded with spaces to 8 bytes.
public struct WeightsFile: Sendable, Equatable {
    public var tensors: [String: Tensor]
    public var metadata: [String: String]
    /// Each tensor's type in the file when not float32 (an int64 step counter, half-precision
    /// weights from elsewhere); writing uses it, so a file read and written again keeps its types.
    public var storage: [String: StorageType]

    public init(tensors: [String: Tensor], metadata: [String: String] = [:], storage: [String: StorageType] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
        self.storage = storage.filter { $0.value != .f32 }
    }

    /// Headers above this are refused before parsing (the reference implementation's limit).
    static let maximumHeader = 100_000_000

    // MARK: Reading

    public init(contentsOf url: URL) throws {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw NeuralError(.io, path: url.path, "cannot read the weights file", cause: error)
        }
        try self.init(bytes: bytes, path: url.path)
    }

    public init(bytes: [UInt8], path: String? = nil) throws {
        func fail(_ message: String, _ reason: String? = nil) -> NeuralError {
            NeuralError(.malformed, path: path, message, cause: reason.map(Reason.init))
        }
        guard bytes.count >= 8 else {
            throw fail("is not a safetensors file", "\(bytes.count) bytes, shorter than the 8-byte header length")
        }
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard length <= UInt64(Self.maximumHeader), Int(length) <= bytes.count - 8 else {
            throw fail(
                "has a header length past the end of the file",
                "header claims \(length) bytes, the file has \(bytes.count - 8) after the length")
        }
        let headerEnd = 8 + Int(length)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
            let header = object as? [String: Any]
        else {
            throw fail("has a header that is not a JSON object")
        }
        let dataSize = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var storage: [String: StorageType] = [:]
        var spans: [(begin: Int, end: Int, name: String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let entries = value as? [String: Any] else {
                    throw fail("has a __metadata__ that is not an object")
                }
                for (key, entry) in entries {
                    guard let text = entry as? String else {
                        throw fail("has a non-string __metadata__ value for '\(key)'")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw fail("has a malformed entry for tensor '\(name)'", "expected dtype, shape and two data_offsets")
            }
            guard let type = StorageType(rawValue: dtype) else {
                throw NeuralError(
                    .mismatch, path: path, "tensor '\(name)' has dtype \(dtype)",
                    reason: "readable types: \(StorageType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize
            else {
                throw fail(
                    "tensor '\(name)' lies outside the data",
                    "offsets \(offsets), shape \(shape), \(dataSize) data bytes")
            }
            // Sizes computed with overflow checks: a hostile shape must be an error, not a trap.
            let count = shape.reduce(Optional(1)) { product, d in
                product.flatMap { p in
                    let (r, o) = p.multipliedReportingOverflow(by: d)
                    return o ? nil : r
                }
            }
            let needed = count.flatMap { c in
                let (r, o) = c.multipliedReportingOverflow(by: type.size)
                return o ? nil : r
            }
            guard let count, let needed, offsets[1] - offsets[0] == needed else {
                throw fail(
                    "tensor '\(name)' has \(offsets[1] - offsets[0]) bytes",
                    "shape \(shape) of \(dtype) needs \(needed.map(String.init) ?? "more than Int.max")")
            }
            let start = headerEnd + offsets[0]
            var values = [Float](repeating: 0, count: count)
            let exact = bytes.withUnsafeBufferPointer { raw in
                if type == .f32 {  // little-endian hosts: the bytes are the values
                    values.withUnsafeMutableBytes {
                        $0.copyMemory(from: UnsafeRawBufferPointer(start: raw.baseAddress! + start, count: 4 * count))
                    }
                    return true
                }
                for i in 0..<count {
                    guard let v = type.decode(raw, at: start + type.size * i) else { return false }
                    values[i] = v
                }
                return true
            }
            guard exact else {
                throw NeuralError(
                    .mismatch, path: path, "tensor '\(name)' holds \(dtype) values beyond ±2^24",
                    reason: "float32 cannot hold them exactly")
            }
            tensors[name] = try Tensor(shape: shape, values: values)
            if type != .f32 { storage[name] = type }
            spans.append((offsets[0], offsets[1], name))
        }
        // The data must be exactly the tensors, back to back.
        var position = 0
        for span in spans.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard span.begin == position else {
                throw fail(
                    span.begin < position
                        ? "tensor '\(span.name)' overlaps another" : "has unused bytes before tensor '\(span.name)'")
            }
            position = span.end
        }
        guard position == dataSize else { throw fail("has \(dataSize - position) bytes after its last tensor") }
        self.init(tensors: tensors, metadata: metadata, storage: storage)
    }

    // MARK: Writing

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        let names = tensors.keys.sorted()
        var entries: [String] = []
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let type = storage[name] ?? .f32
            entries.append(
                "\(Self.quoted(name)):{\"dtype\":\"\(type.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + type.size * t.count)]}"
            )
            offset += type.size * t.count
        }
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64($0))) } + header
        out.reserveCapacity(out.count + offset)
        for name in names {
            let type = storage[name] ?? .f32
            if type == .f32 {
                tensors[name]!.values.withUnsafeBytes { out.append(contentsOf: $0) }
            } else {
                for v in tensors[name]!.values { type.encode(v, into: &out) }
            }
        }
        return out
    }

    /// Writes the file atomically: a temporary file beside it, renamed on success.
    public func write(to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).partial-\(getpid())")
        do {
            try Data(encoded()).write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NeuralError(.io, path: url.path, "cannot write the weights file", cause: error)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let failure = SystemCallError("rename")
            try? FileManager.default.removeItem(at: temporary)
            throw NeuralError(.io, path: url.path, "cannot write the weights file", cause: failure)
        }
    }

    /// A JSON string literal.
    private static func quoted(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    // MARK: Matching a model

    /// The tensors a model with these parameter names and shapes needs, by dotted name; throws one
    /// error listing every missing, unexpected and mis-shaped tensor.
    public func parameters(matching expected: [String: [Int]], path: String? = nil) throws -> [String: Tensor] {
        let missing = expected.keys.filter { tensors[$0] == nil }.sorted()
        let unexpected = tensors.keys.filter { expected[$0] == nil }.sorted()
        let misshaped = expected.keys.sorted().compactMap { name -> String? in
            guard let t = tensors[name], t.shape != expected[name]! else { return nil }
            return "\(name) is \(t.shape), the model needs \(expected[name]!)"
        }
        guard missing.isEmpty, unexpected.isEmpty, misshaped.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected: \(unexpected.joined(separator: ", "))") }
            if !misshaped.isEmpty { parts.append("mis-shaped: \(misshaped.joined(separator: "; "))") }
            throw NeuralError(
                .mismatch, path: path, "the weights do not fit the model", reason: parts.joined(separator: "; "))
        }
        return tensors
    }
}

import Formats
import Foundation

/// The dictionary's file: "FDXD", the format version (UInt32 little-endian), the header's length
/// (UInt64) and the header as JSON with sorted keys, then the expressions, emotion and geometry
/// arrays as float32 little-endian, entry-major. No timestamps: the same build writes the same bytes.
extension ExpressionDictionary {
    /// expression-dictionary.fdxd where `ModelFolders` finds it (set-up builds it in ./models).
    public static func defaultURL() -> URL { ModelFolders.file("expression-dictionary.fdxd") }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = Data(Self.magic)
        withUnsafeBytes(of: UInt32(Self.version).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for array in [expressions, emotion, geometry] {
            array.withUnsafeBufferPointer {
                data.append(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self),
                        count: $0.count * 4))
            }
        }
        return data
    }

    /// Writes atomically (a temporary file beside it, renamed on success).
    public func write(to url: URL) throws {
        do {
            try DirectorySink(directory: url.deletingLastPathComponent()).committing { sink in
                try sink.write(try encoded(), to: url.lastPathComponent)
            }
        } catch {
            throw ReconstructError(.writeFailed, path: url.path, "cannot write the expression dictionary", cause: error)
        }
    }

    /// Throws `.missingData` naming `url` when there is no file there.
    static func requireFile(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ReconstructError(
                .missingData, path: url.path, "expression dictionary not found",
                reason:
                    "\(ModelFolders.lookedIn(for: url.lastPathComponent)); run `make setup` (it builds it) or `facedetail model dictionary`"
            )
        }
    }

    /// Reads a file `write` made. A missing file is `.missingData`; a damaged one, or one of another
    /// version, `.damagedModel` / `.modelVersion`, naming the file.
    public static func load(from url: URL) throws -> ExpressionDictionary {
        try requireFile(url)
        // FileContents, not Data(contentsOf:): regular files only, and Foundation's reader leaked 4 KB on
        // some damaged files under fuzzing.
        let bytes = Data(try FileContents.read(url))
        func damaged(_ why: String) -> ReconstructError {
            ReconstructError(.damagedModel, path: url.path, "is not a readable expression dictionary", reason: why)
        }
        guard bytes.count >= 16, Array(bytes.prefix(4)) == magic else { throw damaged("no FDXD signature") }
        let version = bytes[4..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard version == Self.version else {
            throw ReconstructError(
                .modelVersion, path: url.path, "was built by another version of facedetail",
                reason: "format version \(version), this build reads \(Self.version); run `make setup` again")
        }
        let length = bytes[8..<16].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        // Compared without adding: a damaged length near Int.max overflowed `16 + length` (fuzzing).
        guard length > 0, length <= bytes.count - 16 else { throw damaged("header length \(length) exceeds the file") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: bytes[16..<(16 + length)])
        } catch { throw damaged("header: \(error)") }
        let n = header.count
        let widths = [header.expressionNames.count, header.emotionFeatures, header.geometryFeatures]
        guard n > 0, widths.allSatisfy({ $0 > 0 && $0 < 1024 }), n < 10_000_000,
            bytes.count == 16 + length + 4 * n * widths.reduce(0, +)
        else { throw damaged("\(bytes.count) bytes do not hold \(n) entries of \(widths) floats") }
        var offset = 16 + length
        func floats(_ count: Int) -> [Float] {
            defer { offset += 4 * count }
            return bytes[offset..<(offset + 4 * count)].withUnsafeBytes { raw in
                (0..<count).map {
                    Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian)
                }
            }
        }
        let expressions = floats(n * widths[0])
        let emotion = floats(n * widths[1])
        let geometry = floats(n * widths[2])
        do {
            return try ExpressionDictionary(
                header: header, expressions: expressions, emotion: emotion, geometry: geometry)
        } catch { throw damaged("\(error)") }
    }
}

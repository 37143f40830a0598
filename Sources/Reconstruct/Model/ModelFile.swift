import CZlib
import Errors
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `.fdmodel` file: a versioned, little-endian, memory-mappable container for a `MorphableModel`.
///
///     header (64 bytes)   "FDMODEL\0", version u32, header size u32 (64), section count u32,
///                         reserved u32, file size u64, CRC-32 u32 of bytes [64, file size), zeros
///     section table       per section 32 bytes: tag (8 ASCII bytes, NUL-padded), offset u64,
///                         byte count u64, element kind u32 (1 f32, 2 u32, 3 u8, 4 UTF-8 JSON), 0 u32
///     sections            each at a 64-byte-aligned offset, zero-padded
///
/// Sections: INFO (JSON `ModelInfo`), MEAN (3V f32), IDENTITY (K·3V f32, mode-major), EXPRESS
/// (E·3V f32), PSIZES (P u8), PVERTS (u32), PUVS (u32), UVS (2U f32), VREGION (V u8), PMATL (P u32),
/// LANDMARK (68 u32), CONTOURR and CONTOURL (u32). Positions and modes are millimetres.
/// Version 1 is the only version; a loader meeting another refuses it and says to re-import.
public enum ModelFile {
    public static let magic: [UInt8] = Array("FDMODEL\0".utf8)
    public static let version: UInt32 = 1
    static let headerSize = 64
    static let entrySize = 32
    static let alignment = 64

    /// What to tell users whose model file is unusable.
    static let remedy = "re-create it with `make setup`, or `facedetail model import ict DIR -o FILE`"

    enum Kind: UInt32 {
        case float32 = 1
        case uint32 = 2
        case uint8 = 3
        case json = 4
    }

    struct Section {
        let tag: String
        let kind: Kind
        let bytes: [UInt8]
    }

    /// Serialises a model's contents, checksum included.
    static func encode(_ c: ModelContents) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let sections = [
            Section(tag: "INFO", kind: .json, bytes: [UInt8](try encoder.encode(c.info))),
            Section(tag: "MEAN", kind: .float32, bytes: bytes(of: c.mean)),
            Section(tag: "IDENTITY", kind: .float32, bytes: bytes(of: c.identity)),
            Section(tag: "EXPRESS", kind: .float32, bytes: bytes(of: c.expression)),
            Section(tag: "PSIZES", kind: .uint8, bytes: c.polygonSizes),
            Section(tag: "PVERTS", kind: .uint32, bytes: bytes(of: c.polygonVertices)),
            Section(tag: "PUVS", kind: .uint32, bytes: bytes(of: c.polygonUVIndices)),
            Section(tag: "UVS", kind: .float32, bytes: bytes(of: c.uvs)),
            Section(tag: "VREGION", kind: .uint8, bytes: c.vertexRegions),
            Section(tag: "PMATL", kind: .uint32, bytes: bytes(of: c.polygonMaterials)),
            Section(tag: "LANDMARK", kind: .uint32, bytes: bytes(of: c.landmarkVertices)),
            Section(tag: "CONTOURR", kind: .uint32, bytes: bytes(of: c.contourRight)),
            Section(tag: "CONTOURL", kind: .uint32, bytes: bytes(of: c.contourLeft)),
        ]
        var out = [UInt8](repeating: 0, count: align(headerSize + entrySize * sections.count))
        var table: [UInt8] = []
        for s in sections {
            let offset = out.count
            out += s.bytes
            out += [UInt8](repeating: 0, count: align(out.count) - out.count)
            var tag = Array(s.tag.utf8.prefix(8))
            tag += [UInt8](repeating: 0, count: 8 - tag.count)
            table += tag + le(UInt64(offset)) + le(UInt64(s.bytes.count)) + le(s.kind.rawValue) + le(UInt32(0))
        }
        out.replaceSubrange(headerSize..<(headerSize + table.count), with: table)
        let header =
            magic + le(version) + le(UInt32(headerSize)) + le(UInt32(sections.count)) + le(UInt32(0))
            + le(UInt64(out.count))
        out.replaceSubrange(0..<header.count, with: header)
        let crc = out.withUnsafeBufferPointer { crc32Of(UnsafeRawBufferPointer($0), from: headerSize) }
        out.replaceSubrange(32..<36, with: le(crc))
        return out
    }

    /// Maps `url` read-only and checks it: magic, version, size, checksum, sections.
    /// Environment variable naming the folder of the default model files (else ./models).
    public static let folderVariable = "FACEDETAIL_MODEL_DIR"

    /// The model file `make setup` imports for `region`: $FACEDETAIL_MODEL_DIR (or ./models)/ict-REGION.fdmodel.
    public static func defaultURL(region: ICTImporter.Region) -> URL {
        ModelFolders.file("ict-\(region.rawValue).fdmodel")
    }

    /// The folder set-up fills: `$FACEDETAIL_MODEL_DIR`, else ./models.
    public static var modelsFolder: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment[folderVariable] ?? "models")
    }

    public static func load(_ url: URL) throws -> MorphableModel {
        let storage = try ModelStorage(mapping: url)
        return try decode(storage, path: url.path)
    }

    /// Decodes contents already in memory (an import not yet written, or a test's bytes).
    static func load(bytes: [UInt8], path: String) throws -> MorphableModel {
        try decode(ModelStorage(copying: bytes), path: path)
    }

    static func decode(_ storage: ModelStorage, path: String) throws -> MorphableModel {
        let raw = storage.bytes
        func damaged(_ message: String, _ cause: String? = nil) -> ReconstructError {
            ReconstructError(
                .damagedModel, path: path, message, reason: [cause, remedy].compactMap { $0 }.joined(separator: "; "))
        }
        guard raw.count >= headerSize, Array(raw[0..<8]) == magic else {
            throw damaged("is not a facedetail model file", "it does not start with FDMODEL")
        }
        let fileVersion = u32(raw, 8)
        guard fileVersion == version else {
            throw ReconstructError(
                .modelVersion, path: path,
                "is a model file of format version \(fileVersion); this facedetail reads version \(version)",
                reason: remedy)
        }
        // Every length and offset is checked in UInt64 before it becomes an Int: a hostile file's
        // 2^64 − 64 would otherwise trap, not be refused.
        let declared = u64(raw, 24)
        guard declared == UInt64(raw.count) else {
            throw damaged(
                declared > UInt64(raw.count) ? "is truncated" : "has trailing bytes",
                "\(raw.count) bytes, header says \(declared)")
        }
        guard crc32Of(raw, from: headerSize) == u32(raw, 32) else {
            throw damaged("is damaged", "its checksum does not match its contents")
        }
        let count = Int(u32(raw, 16))
        guard headerSize + count * entrySize <= raw.count else { throw damaged("has a section table past its end") }
        var sections: [String: (offset: Int, bytes: Int, kind: UInt32)] = [:]
        for i in 0..<count {
            let e = headerSize + i * entrySize
            let tag = String(decoding: raw[e..<(e + 8)].prefix { $0 != 0 }, as: UTF8.self)
            let (offset, size) = (u64(raw, e + 8), u64(raw, e + 16))
            guard offset % UInt64(alignment) == 0, offset <= UInt64(raw.count), size <= UInt64(raw.count) - offset
            else {
                throw damaged(
                    "has a section \(tag) out of bounds", "offset \(offset) + \(size) bytes in a file of \(raw.count)")
            }
            sections[tag] = (Int(offset), Int(size), u32(raw, e + 24))
        }
        func section(_ tag: String, _ kind: Kind, elements: Int? = nil) throws -> (offset: Int, count: Int) {
            guard let s = sections[tag], s.kind == kind.rawValue else { throw damaged("lacks its \(tag) section") }
            let width = kind == .float32 || kind == .uint32 ? 4 : 1
            guard s.bytes % width == 0 else { throw damaged("has a \(tag) section of odd size") }
            if let elements, s.bytes / width != elements {
                throw damaged("has a \(tag) section of \(s.bytes / width) values", "expected \(elements)")
            }
            // A NaN in the basis would surface later as a failed fit about the photo, not the model.
            if kind == .float32,
                let bad = storage.floats(at: s.offset, count: s.bytes / 4).firstIndex(where: { !$0.isFinite })
            {
                throw damaged("has a non-finite value in its \(tag) section", "value \(bad)")
            }
            return (s.offset, s.bytes / width)
        }
        let infoSection = try section("INFO", .json)
        let info: ModelInfo
        do {
            info = try JSONDecoder().decode(
                ModelInfo.self, from: Data(raw[infoSection.offset..<(infoSection.offset + infoSection.count)]))
        } catch {
            throw damaged("has an unreadable INFO section", "\(error)")
        }
        let (v, p) = (info.vertexCount, info.polygonCount)
        // Counts beyond the file's size cannot be true, and would overflow the sizes below.
        let counts = [v, p, info.identityCount, info.uvCount, info.expressionNames.count]
        guard counts.allSatisfy({ (0...raw.count).contains($0) }) else {
            throw damaged("has impossible counts in its INFO section", "\(counts) in a file of \(raw.count) bytes")
        }
        let mean = try section("MEAN", .float32, elements: 3 * v)
        let identity = try section("IDENTITY", .float32, elements: info.identityCount * 3 * v)
        let expression = try section("EXPRESS", .float32, elements: info.expressionNames.count * 3 * v)
        let sizes = [UInt8](try storage.bytes(section("PSIZES", .uint8, elements: p)))
        let corners = sizes.reduce(0) { $0 + Int($1) }
        guard sizes.allSatisfy({ $0 == 3 || $0 == 4 }) else {
            throw damaged("has polygons other than triangles and quads")
        }
        let vertices = try storage.uint32s(section("PVERTS", .uint32, elements: corners))
        let uvIndices = try storage.uint32s(section("PUVS", .uint32, elements: corners))
        let uvFlat = try section("UVS", .float32, elements: 2 * info.uvCount)
        let regions = [UInt8](try storage.bytes(section("VREGION", .uint8, elements: v)))
        let materials = try storage.uint32s(section("PMATL", .uint32, elements: p))
        let landmarks = try storage.uint32s(section("LANDMARK", .uint32, elements: Landmarks68.count))
        let right = try storage.uint32s(section("CONTOURR", .uint32))
        let left = try storage.uint32s(section("CONTOURL", .uint32))
        guard vertices.allSatisfy({ Int($0) < v }), landmarks.allSatisfy({ Int($0) < v }),
            right.allSatisfy({ Int($0) < v }), left.allSatisfy({ Int($0) < v })
        else {
            throw damaged("has vertex indices out of range")
        }
        guard uvIndices.allSatisfy({ Int($0) < info.uvCount }),
            materials.allSatisfy({ Int($0) < info.materials.count }),
            regions.allSatisfy({ Int($0) < info.regions.count })
        else {
            throw damaged("has UV, material or region indices out of range")
        }
        let floats = storage.floats(at: uvFlat.offset, count: uvFlat.count)
        return MorphableModel(
            info: info,
            mean: FloatView(storage: storage, offset: mean.offset, count: mean.count),
            identityBasis: FloatView(storage: storage, offset: identity.offset, count: identity.count),
            expressionBasis: FloatView(storage: storage, offset: expression.offset, count: expression.count),
            polygonSizes: sizes, polygonVertices: vertices, polygonUVIndices: uvIndices,
            uvs: (0..<info.uvCount).map { SIMD2(floats[2 * $0], floats[2 * $0 + 1]) },
            vertexRegions: regions, polygonMaterials: materials, landmarkVertices: landmarks.map(Int.init),
            contourCandidates: (right.map(Int.init), left.map(Int.init)))
    }

    // MARK: little-endian helpers

    static func align(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func bytes<T>(of array: [T]) -> [UInt8] { array.withUnsafeBytes(Array.init) }
    static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
    static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// zlib's CRC-32 of bytes [start, end), in chunks (its length argument is 32-bit).
    static func crc32Of(_ b: UnsafeRawBufferPointer, from start: Int) -> UInt32 {
        var crc = crc32(0, nil, 0)
        var at = start
        while at < b.count {
            let n = min(b.count - at, 1 << 30)
            crc = crc32(crc, b.baseAddress!.advanced(by: at).assumingMemoryBound(to: UInt8.self), uInt(n))
            at += n
        }
        return UInt32(crc)
    }
}

/// Everything a model file holds, as arrays; what importers build.
struct ModelContents {
    var info: ModelInfo
    var mean: [Float]
    var identity: [Float]
    var expression: [Float]
    var polygonSizes: [UInt8]
    var polygonVertices: [UInt32]
    var polygonUVIndices: [UInt32]
    var uvs: [Float]
    var vertexRegions: [UInt8]
    var polygonMaterials: [UInt32]
    var landmarkVertices: [UInt32]
    var contourRight: [UInt32]
    var contourLeft: [UInt32]
}

/// The bytes of a model: a read-only memory map of its file, or a heap copy.
final class ModelStorage: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// Maps `url`; errors name it and end with `remedy` (how to make the file again).
    init(mapping url: URL, remedy: String = ModelFile.remedy) throws {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let missing = errno == ENOENT
            let reason = String(cString: strerror(errno))
            let places = missing ? "; " + ModelFolders.lookedIn(for: url.lastPathComponent) : ""
            throw ReconstructError(
                .missingData, path: path, "cannot open the model file", reason: "\(reason)\(places); \(remedy)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ReconstructError(.missingData, path: path, "is not a regular file", reason: remedy)
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw ReconstructError(.damagedModel, path: path, "is empty", reason: remedy)
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ReconstructError(.missingData, path: path, "cannot be memory-mapped", cause: SystemCallError("mmap"))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        mapped = true
    }

    init(copying source: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(source.count, 1), alignment: ModelFile.alignment)
        source.withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: source.count)
        mapped = false
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } else {
            bytes.baseAddress.map { $0.deallocate() }
        }
    }

    /// `count` values of `T` at `offset`, which must be aligned for `T`.
    func typed<T>(_: T.Type, at offset: Int, count: Int) -> UnsafeBufferPointer<T> {
        UnsafeBufferPointer(
            start: bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: T.self), count: count)
    }

    func floats(at offset: Int, count: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(
            start: bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Float.self), count: count)
    }

    func bytes(_ s: (offset: Int, count: Int)) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[s.offset..<(s.offset + s.count)])
    }

    func uint32s(_ s: (offset: Int, count: Int)) -> [UInt32] {
        (0..<s.count).map {
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: s.offset + 4 * $0, as: UInt32.self))
        }
    }
}

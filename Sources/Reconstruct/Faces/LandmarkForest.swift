import CDlibBridge
import Formats
import Foundation

/// dlib's 68-point shape predictor (Kazemi and Sullivan's ensemble of regression trees) as flat
/// arrays in a file of ours, memory-mapped, so that a process pays nothing to load it: dlib's own
/// file (95 MB of variable-length integers) takes 1–2 s to parse on every start, while a
/// prediction reads one leaf per tree, about 3 MB of the 88. `facedetail model landmarks` makes the
/// file once at set-up (docs/landmarks.md has the layout).
///
/// Layout, little-endian: "FDLM", version, then parts, cascades, trees per cascade, splits per
/// tree, features per cascade (UInt32 each), 4 reserved bytes, the SHA-256 of the dlib file it came
/// from (32 bytes); then, each section starting on a 64-byte boundary: the initial shape (Float,
/// x, y per part), each feature's anchor part (UInt32), its delta (Float x, y), each split's two
/// features (UInt32) and threshold (Float), and the leaves (Float, x, y per part). Cascades, then
/// trees, then nodes in dlib's order (children of node i at 2i + 1 and 2i + 2).
public struct LandmarkForest: Sendable {
    public struct Layout: Equatable, Sendable {
        public var parts, cascades, trees, splits, features: Int
        var values: Int { 2 * parts }
        var leaves: Int { splits + 1 }
    }

    public let layout: Layout
    /// SHA-256 (hex) of the dlib predictor file the arrays came from.
    public let sourceChecksum: String
    let storage: ModelStorage
    let sections: Sections

    static let magic: [UInt8] = Array("FDLM".utf8)
    static let version: UInt32 = 1
    static let headerSize = 64
    static let alignment = 64
    /// The default file name in the models folder.
    public static let fileName = "shape-predictor-68.fdlm"
    static let remedy = "re-create it with `make setup`, or `facedetail model landmarks -o FILE`"

    /// Byte offsets of the arrays.
    struct Sections {
        var initialShape = 0, anchors = 0, deltas = 0, splitFeatures = 0, thresholds = 0, leaves = 0, end = 0

        init(_ l: Layout) {
            var at = LandmarkForest.headerSize
            func take(_ bytes: Int) -> Int {
                let start = at
                at = (at + bytes + LandmarkForest.alignment - 1) / LandmarkForest.alignment * LandmarkForest.alignment
                return start
            }
            initialShape = take(4 * l.values)
            anchors = take(4 * l.cascades * l.features)
            deltas = take(8 * l.cascades * l.features)
            splitFeatures = take(8 * l.cascades * l.trees * l.splits)
            thresholds = take(4 * l.cascades * l.trees * l.splits)
            leaves = take(4 * l.cascades * l.trees * l.leaves * l.values)
            end = leaves + 4 * l.cascades * l.trees * l.leaves * l.values
        }
    }

    /// Maps a file `write(to:)` made, checking its layout and every index in it.
    public init(contentsOf url: URL) throws {
        try self.init(storage: ModelStorage(mapping: url, remedy: Self.remedy), path: url.path)
    }

    init(storage: ModelStorage, path: String) throws {
        let bytes = storage.bytes
        func damaged(_ why: String) -> ReconstructError {
            ReconstructError(.damagedModel, path: path, "is not a readable landmark model", reason: why)
        }
        guard bytes.count >= Self.headerSize, Array(bytes.prefix(4)) == Self.magic else {
            throw damaged("it does not start with FDLM")
        }
        let version = ModelFile.u32(bytes, 4)
        guard version == Self.version else {
            throw ReconstructError(
                .modelVersion, path: path, "was written by another version of facedetail",
                reason: "landmark model version \(version), this build reads \(Self.version); \(Self.remedy)")
        }
        let field = { Int(ModelFile.u32(bytes, 8 + 4 * $0)) }
        let layout = Layout(parts: field(0), cascades: field(1), trees: field(2), splits: field(3), features: field(4))
        // Bounds that keep every size below well within Int; dlib's 68-point model has 68 parts,
        // 10 cascades of 500 trees with 15 splits, 400 features.
        guard (1...10_000).contains(layout.parts), (1...1_000).contains(layout.cascades),
            (1...100_000).contains(layout.trees), (1...65_535).contains(layout.splits),
            layout.leaves & layout.splits == 0, (1...1_000_000).contains(layout.features)
        else { throw damaged("impossible sizes \(layout)") }
        let sections = Sections(layout)
        guard sections.end == bytes.count else {
            throw damaged("\(bytes.count) bytes where its sizes need \(sections.end)")
        }
        let anchors = storage.typed(UInt32.self, at: sections.anchors, count: layout.cascades * layout.features)
        guard anchors.allSatisfy({ Int($0) < layout.parts }) else { throw damaged("a feature's anchor is not a part") }
        let splits = storage.typed(
            UInt32.self, at: sections.splitFeatures, count: 2 * layout.cascades * layout.trees * layout.splits)
        guard splits.allSatisfy({ Int($0) < layout.features }) else { throw damaged("a split names no feature") }
        let numbers = [
            storage.floats(at: sections.initialShape, count: layout.values),
            storage.floats(at: sections.deltas, count: 2 * layout.cascades * layout.features),
            storage.floats(at: sections.thresholds, count: layout.cascades * layout.trees * layout.splits),
        ]
        guard numbers.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw damaged("a shape, delta or threshold is not finite")
        }
        self.layout = layout
        self.storage = storage
        self.sections = sections
        sourceChecksum = (32..<64).map { String(format: "%02x", bytes[$0]) }.joined()
    }

    /// Reads dlib's own shape-predictor file (through dlib's deserialisers) into the same arrays.
    public static func importing(dlibFile url: URL) throws -> LandmarkForest {
        let path = url.path
        guard let source = FileManager.default.contents(atPath: path) else {
            throw ReconstructError(
                .missingData, path: path, "landmark model not found",
                reason:
                    "install Debian's libdlib-data, or pass --landmark-model / set \(LandmarkPredictor.environmentVariable)"
            )
        }
        var raw = fd_shape_forest_layout()
        var error = [CChar](repeating: 0, count: 512)
        guard let forest = fd_shape_forest_read(path, &raw, &error, error.count) else {
            throw ReconstructError(
                .missingData, path: path, "is not a dlib shape predictor", reason: String(nullTerminated: error))
        }
        defer { fd_shape_forest_destroy(forest) }
        let layout = Layout(
            parts: Int(raw.parts), cascades: Int(raw.cascades), trees: Int(raw.trees), splits: Int(raw.splits),
            features: Int(raw.features))
        let sections = Sections(layout)
        var bytes = [UInt8](repeating: 0, count: sections.end)
        bytes.replaceSubrange(0..<4, with: magic)
        let header =
            [version]
            + [layout.parts, layout.cascades, layout.trees, layout.splits, layout.features].map { UInt32($0) }
        for (i, value) in header.enumerated() {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange((4 + 4 * i)..<(8 + 4 * i), with: $0) }
        }
        bytes.replaceSubrange(32..<64, with: hexBytes(SHA256.hex(source)))
        bytes.withUnsafeMutableBytes { b in
            func at<T>(_ offset: Int, _: T.Type) -> UnsafeMutablePointer<T> {
                (b.baseAddress! + offset).assumingMemoryBound(to: T.self)
            }
            fd_shape_forest_copy(
                forest, at(sections.initialShape, Float.self), at(sections.anchors, UInt32.self),
                at(sections.deltas, Float.self), at(sections.splitFeatures, UInt32.self),
                at(sections.thresholds, Float.self), at(sections.leaves, Float.self))
        }
        return try LandmarkForest(storage: ModelStorage(copying: bytes), path: path)
    }

    /// Writes the file atomically (a temporary file beside it, renamed on success).
    public func write(to url: URL) throws {
        do {
            try DirectorySink(directory: url.deletingLastPathComponent()).committing { sink in
                try sink.write([UInt8](storage.bytes), to: url.lastPathComponent)
            }
        } catch {
            throw ReconstructError(.writeFailed, path: url.path, "cannot write the landmark model", cause: error)
        }
    }

    /// Whether `url` starts like a file of ours (else it is taken for dlib's format).
    static func isOurs(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)).map { [UInt8]($0) } == magic
    }

    private static func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)!
        }
    }

    var initialShape: UnsafeBufferPointer<Float> { storage.floats(at: sections.initialShape, count: layout.values) }
    var anchors: UnsafeBufferPointer<UInt32> {
        storage.typed(UInt32.self, at: sections.anchors, count: layout.cascades * layout.features)
    }
    var deltas: UnsafeBufferPointer<Float> {
        storage.floats(at: sections.deltas, count: 2 * layout.cascades * layout.features)
    }
    var splitFeatures: UnsafeBufferPointer<UInt32> {
        storage.typed(
            UInt32.self, at: sections.splitFeatures, count: 2 * layout.cascades * layout.trees * layout.splits)
    }
    var thresholds: UnsafeBufferPointer<Float> {
        storage.floats(at: sections.thresholds, count: layout.cascades * layout.trees * layout.splits)
    }
    var leaves: UnsafeBufferPointer<Float> {
        storage.floats(at: sections.leaves, count: layout.cascades * layout.trees * layout.leaves * layout.values)
    }
}

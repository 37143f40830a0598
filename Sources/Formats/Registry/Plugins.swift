import Foundation

/// Reads a mesh file (and the sidecars it names) into an `Asset`.
public protocol MeshReader: Sendable {
    func readMesh(at url: URL) throws -> Asset
}

/// Options every mesh writer receives.
public struct MeshWriteOptions: Sendable {
    /// Unit for formats that store no unit of their own (OBJ, PLY, STL); DESIGN.md's default is cm.
    public var unitlessFormatUnit: LengthUnit
    public init(unitlessFormatUnit: LengthUnit = .centimetre) { self.unitlessFormatUnit = unitlessFormatUnit }
}

/// Writes an `Asset` as a main file named `fileName` plus any sidecars, all through `sink`.
///
/// Contract: everything goes through the sink (never straight to disk), texture paths are written
/// as the materials give them, and the positions are converted from `asset.unit` into the unit
/// `FormatDescriptor.fileUnit(for:)` reports.
public protocol MeshWriter: Sendable {
    func write(_ asset: Asset, fileName: String, to sink: any FileSink, options: MeshWriteOptions) throws
}

/// Reads an image file: decodes its bytes, so a caller that holds them (and has hashed them, as
/// `reconstruct` does its photos) does not read the file twice.
public protocol ImageReader: Sendable {
    /// Decodes a whole file held in memory; `path` names it in errors. The size the header
    /// declares is checked against `limits` before any pixel memory is allocated.
    func decodeImage(_ bytes: [UInt8], path: String, limits: ImageLimits) throws -> ImageAsset
}

extension ImageReader {
    /// Decodes within `ImageLimits.standard`.
    public func decodeImage(_ bytes: [UInt8], path: String) throws -> ImageAsset {
        try decodeImage(bytes, path: path, limits: .standard)
    }

    /// Reads and decodes the file at `url`.
    public func readImage(at url: URL, limits: ImageLimits = .standard) throws -> ImageAsset {
        try decodeImage(try FileContents.read(url), path: url.path, limits: limits)
    }
}

/// Writes an image file through a sink. Throws `.unsupported` for a component type or channel
/// count the format cannot store, rather than silently converting.
public protocol ImageWriter: Sendable {
    func write(_ image: ImageAsset, fileName: String, to sink: any FileSink) throws
}

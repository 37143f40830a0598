import Foundation

/// The table of formats, keyed by id (Assimp's exporter table, OpenImageIO's format list).
///
/// Readers are chosen in two steps: by extension, then by a look at the first bytes; writers by
/// id or by extension (the first registered writer for it).
public struct FormatRegistry: Sendable {
    public let formats: [FormatDescriptor]

    public init(_ formats: [FormatDescriptor]) {
        self.formats = formats
    }

    public func format(id: String) -> FormatDescriptor? { formats.first { $0.id == id } }

    /// Ids of every format with a writer, in table order.
    public var writableIDs: [String] { formats.filter(\.canWrite).map(\.id) }

    /// The writer for an explicit id, or else for the extension of `url`.
    public func writerFormat(id: String?, for url: URL) throws -> FormatDescriptor {
        if let id {
            guard let format = format(id: id), format.canWrite else {
                throw FormatError(
                    .unknownFormat, path: url.path, "no writer has id '\(id)'",
                    reason: "known: \(writableIDs.joined(separator: ", "))")
            }
            return format
        }
        let ext = url.pathExtension.lowercased()
        guard let format = formats.first(where: { $0.canWrite && $0.extensions.contains(ext) }) else {
            throw FormatError(
                .unknownFormat, path: url.path, "no writer for the extension '.\(ext)'",
                reason: "use --to with one of: \(writableIDs.joined(separator: ", "))")
        }
        return format
    }

    /// The reader for a file: by extension, then confirmed or corrected by its first bytes.
    public func readerFormat(for url: URL) throws -> FormatDescriptor {
        let head = try FileContents.prefix(64, of: url)
        let ext = url.pathExtension.lowercased()
        let readers = formats.filter(\.canRead)
        let byExtension = readers.filter { $0.extensions.contains(ext) }
        if let match = byExtension.first(where: { $0.sniff?(head) ?? false }) { return match }
        // The name may lie: trust a format whose signature the bytes carry.
        if let sniffed = readers.first(where: { $0.sniff?(head) ?? false }) { return sniffed }
        if let first = byExtension.first { return first }
        throw FormatError(
            .unknownFormat, path: url.path, "not a format facedetail reads",
            reason: "known extensions: \(Set(readers.flatMap(\.extensions)).sorted().joined(separator: " "))")
    }
}

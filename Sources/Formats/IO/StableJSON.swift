import Foundation

/// JSON as facedetail writes it, in files and on stdout: indented, keys sorted, slashes unescaped,
/// so the same value always gives the same bytes and paths read as paths.
public enum StableJSON {
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }

    /// One line of JSON Lines (jsonlines.org): sorted keys, no newline inside, none at the end.
    public static func line(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }

    /// The encoding as a text file: the JSON and a final newline.
    public static func file(_ value: some Encodable) throws -> [UInt8] {
        try encode(value) + [0x0a]
    }
}

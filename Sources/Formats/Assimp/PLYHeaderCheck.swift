import Foundation

/// Checks a PLY file's header against its size before Assimp sees it: Assimp 5.2.5 aborts or
/// loops forever on truncated PLY bodies, and this turns the common case into a precise error.
@_spi(Fuzzing) public enum PLYHeaderCheck {
    private static let sizes: [String: Int] = [
        "char": 1, "uchar": 1, "int8": 1, "uint8": 1, "short": 2, "ushort": 2, "int16": 2, "uint16": 2,
        "int": 4, "uint": 4, "int32": 4, "uint32": 4, "float": 4, "float32": 4, "double": 8, "float64": 8,
    ]

    /// A PLY header is a few hundred bytes; this much always holds it and `end_header`.
    private static let headerLimit = 65_536

    @_spi(Fuzzing) public static func check(_ url: URL, size: Int) throws {
        // Binary files are checked from the header and the file size alone; only ASCII bodies,
        // whose records have no fixed size, are read whole.
        var bytes = try FileContents.prefix(headerLimit, of: url)
        guard bytes.starts(with: Array("ply".utf8)) else {
            throw FormatError(.malformed, path: url.path, "is not a PLY file", reason: "it does not start with 'ply'")
        }
        guard let end = find(Array("end_header".utf8), in: bytes) else {
            throw FormatError(.malformed, path: url.path, "is truncated", reason: "the header has no end_header line")
        }
        var bodyStart = end + 10
        while bodyStart < bytes.count && (bytes[bodyStart] == 0x0D || bytes[bodyStart] == 0x0A) {
            bodyStart += 1
            if bytes[bodyStart - 1] == 0x0A { break }
        }
        let header = String(decoding: bytes[..<end], as: UTF8.self)
        let isBinary = header.split(whereSeparator: \.isNewline).contains {
            $0.hasPrefix("format") && !$0.contains("ascii")
        }
        if !isBinary && size > bytes.count { bytes = try FileContents.prefix(size, of: url) }
        var binary = false
        var elements: [(name: String, count: Int, minimumRecord: Int)] = []
        for line in header.split(whereSeparator: \.isNewline) {
            let words = line.split(separator: " ").map(String.init)
            switch words.first {
            case "format": binary = words.count > 1 && words[1] != "ascii"
            case "element" where words.count >= 3:
                guard let count = Int(words[2]), count >= 0 else {
                    throw FormatError(.malformed, path: url.path, "has a bad element line", reason: String(line))
                }
                elements.append((words[1], count, 0))
            case "property" where words.count >= 3 && !elements.isEmpty:
                // A list costs at least its count field; a scalar its full size.
                let type = words[1] == "list" ? words[2] : words[1]
                elements[elements.count - 1].minimumRecord = saturating(
                    elements[elements.count - 1].minimumRecord, sizes[type] ?? 1)
            default: break
            }
        }
        let body = size - bodyStart
        if binary {
            let needed = elements.reduce(0) { total, element in
                let (bytes, overflow) = element.count.multipliedReportingOverflow(by: element.minimumRecord)
                return saturating(total, overflow ? Int.max : bytes)
            }
            if body < needed {
                throw FormatError(
                    .malformed, path: url.path, "is truncated",
                    reason: "its header declares at least \(needed) bytes of data, the file holds \(body)")
            }
        } else {
            let declared = elements.reduce(0) { saturating($0, $1.count) }
            let lines = bytes[bodyStart...].split(separator: 0x0A).filter { $0.contains { $0 > 0x20 } }.count
            if lines < declared {
                throw FormatError(
                    .malformed, path: url.path, "is truncated",
                    reason: "its header declares \(declared) records, the file holds \(lines) lines")
            }
        }
    }

    /// `a + b`, or Int.max when it overflows. Counts come from the file: a declared 2^63 − 1
    /// elements must read as "too many", not trap (found by fuzzing).
    private static func saturating(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}

/// Checks a binary STL's size against its triangle count: Assimp 5.2.5 reads a truncated binary
/// STL without complaint, returning garbage triangles.
@_spi(Fuzzing) public enum STLSizeCheck {
    @_spi(Fuzzing) public static func check(_ url: URL, size: Int) throws {
        let head = try FileContents.prefix(84, of: url)
        // ASCII STL starts with "solid" and has no fixed layout; Assimp parses it line by line.
        let text = String(decoding: head.prefix(80), as: UTF8.self)
        if head.starts(with: Array("solid".utf8)) && !text.contains("\0") { return }
        guard head.count == 84 else {
            throw FormatError(
                .malformed, path: url.path, "is truncated",
                reason: "a binary STL header is 84 bytes, the file holds \(size)")
        }
        let triangles = Int(head[80]) | Int(head[81]) << 8 | Int(head[82]) << 16 | Int(head[83]) << 24
        let expected = 84 + 50 * triangles
        guard size >= expected else {
            throw FormatError(
                .malformed, path: url.path, "is truncated",
                reason: "its header declares \(triangles) triangles (\(expected) bytes), the file holds \(size)")
        }
    }
}

import Foundation

/// Checks an OBJ file's numbers before Assimp sees them: its parser reads a coordinate of ten
/// million digits as 0.0 without a word (issue 19), so a vertex, texture or normal line whose
/// number is longer than any float can need is refused, naming the line. ("1e999" and the like
/// read as infinity, which the asset's own validation refuses.)
@_spi(Fuzzing) public enum OBJCoordinateCheck {
    /// Longer than the longest decimal a float or double needs (and leading zeros to spare).
    static let longestNumber = 128

    @_spi(Fuzzing) public static func check(_ url: URL) throws {
        // An empty file has no numbers, and Foundation leaks a page mapping one (LeakSanitizer,
        // under fuzzing).
        var status = stat()
        if stat(url.path, &status) == 0, status.st_size == 0 { return }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw FormatError(.unreadable, path: url.path, "cannot be read", cause: error)
        }
        let problem = data.withUnsafeBytes { raw in longNumber(in: raw.bindMemory(to: UInt8.self)) }
        if let problem {
            throw FormatError(
                .malformed, path: url.path, "has a number of \(problem.length) characters on line \(problem.line)",
                reason: "a coordinate needs at most \(longestNumber); the file is damaged")
        }
    }

    /// The first over-long number on a v, vt, vn or vp line: its line and length.
    static func longNumber(in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, length: Int)? {
        let (space, tab, cr, newline) = (UInt8(0x20), UInt8(0x09), UInt8(0x0D), UInt8(0x0A))
        var line = 1
        var i = 0
        while i < bytes.count {
            // The keyword: "v", then t, n or p optionally, then a blank.
            var j = i
            var coordinates = false
            if bytes[j] == UInt8(ascii: "v") {
                j += 1
                if j < bytes.count, [UInt8(ascii: "t"), UInt8(ascii: "n"), UInt8(ascii: "p")].contains(bytes[j]) {
                    j += 1
                }
                coordinates = j < bytes.count && (bytes[j] == space || bytes[j] == tab)
            }
            var run = 0
            while j < bytes.count && bytes[j] != newline {
                if coordinates {
                    run = bytes[j] == space || bytes[j] == tab || bytes[j] == cr ? 0 : run + 1
                    if run > longestNumber {
                        var end = j
                        while end < bytes.count && bytes[end] > space { end += 1 }
                        return (line, run + end - j - 1)
                    }
                }
                j += 1
            }
            i = j + 1
            line += 1
        }
        return nil
    }
}

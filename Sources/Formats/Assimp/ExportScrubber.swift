/// Removes the wall-clock data some Assimp exporters put into files, so the same input gives
/// byte-identical output (DESIGN.md §6): Collada's `<created>`/`<modified>` and the DOS
/// timestamps of the 3MF zip's entries.
enum ExportScrubber {
    /// The fixed time written instead: the Unix epoch, as Collada's xs:dateTime.
    static let colladaEpoch = "1970-01-01T00:00:00"

    static func scrub(_ bytes: [UInt8], exporterID: String) -> [UInt8] {
        switch exporterID {
        case "collada": scrubCollada(bytes)
        case "3mf": scrubZipTimes(bytes)
        default: bytes
        }
    }

    private static func scrubCollada(_ bytes: [UInt8]) -> [UInt8] {
        var text = String(decoding: bytes, as: UTF8.self)
        for tag in ["created", "modified"] {
            guard let open = text.range(of: "<\(tag)>"),
                let close = text.range(of: "</\(tag)>", range: open.upperBound..<text.endIndex)
            else { continue }
            text.replaceSubrange(open.upperBound..<close.lowerBound, with: colladaEpoch)
        }
        return Array(text.utf8)
    }

    /// Sets every local and central zip header's modification time and date to 1980-01-01 00:00
    /// (DOS time 0, date 0x0021), the earliest a zip can state.
    private static func scrubZipTimes(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func setTime(at o: Int) {
            b[o] = 0
            b[o + 1] = 0
            b[o + 2] = 0x21
            b[o + 3] = 0
        }
        var i = 0
        while i + 46 <= b.count {
            switch u32(i) {
            case 0x0403_4b50:  // local file header: time at +10
                setTime(at: i + 10)
                i += 30 + u16(i + 26) + u16(i + 28) + u32(i + 18)
            case 0x0201_4b50:  // central directory entry: time at +12
                setTime(at: i + 12)
                i += 46 + u16(i + 28) + u16(i + 30) + u16(i + 32)
            default:
                return b  // end of central directory or data descriptors: nothing more to scrub
            }
        }
        return b
    }
}

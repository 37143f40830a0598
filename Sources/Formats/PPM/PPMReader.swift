import Foundation

/// Netpbm greymaps and pixmaps (PGM P2/P5, PPM P3/P6), maxval up to 65535, as one or three channels.
/// Values are rescaled to the full 8- or 16-bit range when maxval is not 255 or 65535.
struct PPMReader: ImageReader {
    func decodeImage(_ data: [UInt8], path: String, limits: ImageLimits) throws -> ImageAsset {
        do {
            return ImageAsset(image: try Self.decode(data, limits: limits))
        } catch let error as FormatError {
            throw error.at(path)
        }
    }

    static func decode(_ bytes: [UInt8], limits: ImageLimits = .standard) throws -> AnyImage {
        var cursor = NetpbmCursor(bytes: bytes)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
            let kind = [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].firstIndex(
                of: bytes[1])
        else { throw FormatError(.malformed, "is not a PGM/PPM file", reason: "expected P2, P3, P5 or P6 magic") }
        cursor.offset = 2
        let channels = (kind == 1 || kind == 3) ? 3 : 1
        let ascii = kind < 2
        let width = try cursor.headerNumber("width")
        let height = try cursor.headerNumber("height")
        let maxval = try cursor.headerNumber("maxval")
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else {
            throw FormatError(.malformed, "has an impossible size", reason: "\(width)×\(height)")
        }
        guard (1...65535).contains(maxval) else {
            throw FormatError(.malformed, "has an invalid maxval", reason: "\(maxval), expected 1…65535")
        }
        try limits.check(width: width, height: height)
        let count = width * height * channels
        let wide = maxval > 255
        let size = wide ? 2 : 1
        // The bytes must be able to hold the samples before memory is allocated for them: at least
        // a digit and a separator per ASCII sample; one or two bytes per binary one, after the single
        // whitespace byte that ends the header.
        let needed = ascii ? 2 * count - 1 : count * size
        let available = bytes.count - cursor.offset - (ascii ? 0 : 1)
        guard available >= needed else {
            throw FormatError(
                .malformed, "is truncated",
                reason: "expected \(ascii ? "at least " : "")\(needed) bytes of pixels, found \(max(0, available))")
        }
        var samples = [UInt32](repeating: 0, count: count)
        if ascii {
            for i in 0..<count { samples[i] = UInt32(try cursor.headerNumber("sample")) }
        } else {
            cursor.offset += 1
            bytes.withUnsafeBufferPointer { raw in
                var p = cursor.offset
                for i in 0..<count {
                    samples[i] = wide ? UInt32(raw[p]) << 8 | UInt32(raw[p + 1]) : UInt32(raw[p])
                    p += size
                }
            }
        }
        guard samples.allSatisfy({ $0 <= UInt32(maxval) }) else {
            throw FormatError(.malformed, "has samples above its maxval", reason: "maxval \(maxval)")
        }
        let top = UInt32(wide ? 65535 : 255)
        let scaled = UInt32(maxval) == top ? samples : samples.map { ($0 * top + UInt32(maxval) / 2) / UInt32(maxval) }
        return wide
            ? .uint16(try Image(width: width, height: height, channels: channels, pixels: scaled.map { UInt16($0) }))
            : .uint8(try Image(width: width, height: height, channels: channels, pixels: scaled.map { UInt8($0) }))
    }
}

/// Reads the whitespace-separated decimal fields of a Netpbm header (with `#` comments).
private struct NetpbmCursor {
    let bytes: [UInt8]
    var offset = 0

    mutating func headerNumber(_ field: String) throws -> Int {
        while offset < bytes.count {
            let b = bytes[offset]
            if b == UInt8(ascii: "#") {
                while offset < bytes.count, bytes[offset] != 0x0a { offset += 1 }
            } else if b == 0x20 || (0x09...0x0d).contains(b) {
                offset += 1
            } else {
                break
            }
        }
        var value = 0
        var digits = 0
        while offset < bytes.count, (0x30...0x39).contains(bytes[offset]), digits < 9 {
            value = value * 10 + Int(bytes[offset] - 0x30)
            offset += 1
            digits += 1
        }
        guard digits > 0 else {
            throw FormatError(.malformed, "is truncated or damaged", reason: "expected a number for \(field)")
        }
        return value
    }
}

extension FormatDescriptor {
    public static let ppm = FormatDescriptor(
        id: "ppm", summary: "Netpbm PGM/PPM (P2, P3, P5, P6), 8- or 16-bit, grey or RGB (read only)", kind: .image,
        extensions: ["ppm", "pgm", "pnm"], capabilities: [.uint8, .uint16], backend: "native",
        sniff: {
            $0.count >= 2 && $0[0] == UInt8(ascii: "P")
                && [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].contains($0[1])
        },
        imageReader: PPMReader())
}

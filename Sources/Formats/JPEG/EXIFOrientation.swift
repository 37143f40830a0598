/// The EXIF orientation tag (0x0112) of a JPEG: how the stored rows must be turned for display.
///
/// Values 1–8 as in the EXIF spec: 1 as stored, 2 mirrored, 3 rotated 180°, 4 flipped, 5 transposed,
/// 6 rotated 90° clockwise, 7 transversed, 8 rotated 90° counter-clockwise.
public struct EXIFOrientation: Sendable, Equatable {
    public var value: Int

    public init(value: Int) {
        self.value = (1...8).contains(value) ? value : 1
    }

    /// Reads the tag from the JPEG's APP1 "Exif" segment; 1 when there is none or it is damaged.
    public init(jpeg bytes: [UInt8]) {
        self.init(value: Self.find(in: bytes) ?? 1)
    }

    private static func find(in b: [UInt8]) -> Int? {
        var i = 2
        while i + 4 <= b.count, b[i] == 0xff {
            let marker = b[i + 1]
            if marker == 0xda || marker == 0xd9 { return nil }  // start of scan: no more metadata
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            let start = i + 4
            if marker == 0xe1, length >= 16, b[start..<(start + 6)].elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) {
                return tiffOrientation(Array(b[(start + 6)..<(i + 2 + length)]))
            }
            i += 2 + length
        }
        return nil
    }

    private static func tiffOrientation(_ t: [UInt8]) -> Int? {
        guard t.count >= 8 else { return nil }
        let little = t[0] == 0x49
        func u16(_ o: Int) -> Int? {
            guard o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let hi = u16(little ? o + 2 : o), let lo = u16(little ? o : o + 2) else { return nil }
            return hi << 16 | lo
        }
        guard let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let o = ifd + 2 + entry * 12
            guard let tag = u16(o) else { return nil }
            if tag == 0x0112 { return u16(o + 8) }
        }
        return nil
    }

    /// The image as a viewer shows it.
    public func applied<P>(to image: Image<P>) -> Image<P> {
        guard value != 1 else { return image }
        let (w, h) = (image.width, image.height)
        let swaps = value >= 5
        var out = Image<P>(width: swaps ? h : w, height: swaps ? w : h, channels: image.channels)
        for y in 0..<out.height {
            for x in 0..<out.width {
                // Source pixel for each displayed pixel (x, y).
                let (sx, sy): (Int, Int) =
                    switch value {
                    case 2: (w - 1 - x, y)
                    case 3: (w - 1 - x, h - 1 - y)
                    case 4: (x, h - 1 - y)
                    case 5: (y, x)
                    case 6: (y, h - 1 - x)
                    case 7: (w - 1 - y, h - 1 - x)
                    default: (w - 1 - y, x)  // 8
                    }
                for c in 0..<image.channels { out[x, y, c] = image[sx, sy, c] }
            }
        }
        return out
    }
}

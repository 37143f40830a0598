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
        self.init(value: EXIFTags(jpeg: bytes).orientation ?? 1)
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

/// The few EXIF tags facedetail reads from a JPEG's APP1 "Exif" segment (EXIF 2.32 / CIPA DC-008):
/// the orientation (0x0112, IFD0) and the 35 mm-equivalent focal length (0xA405
/// FocalLengthIn35mmFilm, in the Exif IFD that 0x8769 points to), which gives the proxy fit its
/// pinhole camera. A missing or damaged segment leaves every tag nil.
public struct EXIFTags: Sendable, Equatable {
    public var orientation: Int?
    /// Millimetres, as the camera recorded it (0, "unknown" in the spec, reads as nil).
    public var equivalentFocalMillimetres: Double?

    public init(orientation: Int? = nil, equivalentFocalMillimetres: Double? = nil) {
        self.orientation = orientation
        self.equivalentFocalMillimetres = equivalentFocalMillimetres
    }

    public init(jpeg bytes: [UInt8]) {
        self.init()
        guard bytes.starts(with: [0xff, 0xd8]), let tiff = Self.exifSegment(bytes) else { return }
        let reader = TIFFReader(bytes: tiff)
        guard let ifd0 = reader.u32(4) else { return }
        orientation = reader.entry(0x0112, in: ifd0).flatMap { reader.u16($0 + 8) }
        if let pointer = reader.entry(0x8769, in: ifd0).flatMap({ reader.u32($0 + 8) }),
            let focal = reader.entry(0xa405, in: pointer).flatMap({ reader.u16($0 + 8) }), focal > 0
        {
            equivalentFocalMillimetres = Double(focal)
        }
    }

    /// The TIFF structure inside the first APP1 segment that starts with "Exif\0\0".
    private static func exifSegment(_ b: [UInt8]) -> [UInt8]? {
        var i = 2
        while i + 4 <= b.count, b[i] == 0xff {
            let marker = b[i + 1]
            if marker == 0xda || marker == 0xd9 { return nil }  // start of scan: no more metadata
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            let start = i + 4
            if marker == 0xe1, length >= 16, b[start..<(start + 6)].elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) {
                return Array(b[(start + 6)..<(i + 2 + length)])
            }
            i += 2 + length
        }
        return nil
    }
}

/// Bounds-checked reads of a TIFF structure in its own byte order ("II" little, "MM" big endian).
private struct TIFFReader {
    let bytes: [UInt8]
    var little: Bool { bytes.first == 0x49 }

    func u16(_ o: Int) -> Int? {
        guard o >= 0, o + 2 <= bytes.count else { return nil }
        return little ? Int(bytes[o]) | Int(bytes[o + 1]) << 8 : Int(bytes[o]) << 8 | Int(bytes[o + 1])
    }

    func u32(_ o: Int) -> Int? {
        guard let hi = u16(little ? o + 2 : o), let lo = u16(little ? o : o + 2) else { return nil }
        return hi << 16 | lo
    }

    /// Offset of the 12-byte entry for `tag` in the IFD at `ifd`, nil when absent.
    func entry(_ tag: Int, in ifd: Int) -> Int? {
        guard let count = u16(ifd) else { return nil }
        for k in 0..<count {
            let o = ifd + 2 + k * 12
            guard let t = u16(o) else { return nil }
            if t == tag { return o }
        }
        return nil
    }
}

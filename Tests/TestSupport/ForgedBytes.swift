/// Helpers for tests that forge damaged files whose own checks still pass.
public enum ForgedBytes {
    /// CRC-32 (ISO 3309, as PNG chunks and the .fdmodel header use it) of `bytes`.
    public static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xedb8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    /// Offset of the first JPEG start-of-frame segment's height field (SOF0–SOF2; the width
    /// follows it), walking the segments from the start; nil when there is none.
    public static func jpegFrameSizeOffset(_ jpeg: [UInt8]) -> Int? {
        var i = 2
        while i + 4 < jpeg.count, jpeg[i] == 0xff {
            if (0xc0...0xc2).contains(jpeg[i + 1]) { return i + 5 }
            i += 2 + Int(jpeg[i + 2]) << 8 + Int(jpeg[i + 3])
        }
        return nil
    }
}

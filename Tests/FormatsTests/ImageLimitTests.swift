import CTurboJPEG
import Foundation
import TestSupport
import Testing

@testable import Formats

/// Issue 19, defects 2 and 10: decompression bombs are refused from their headers, before any
/// pixel memory is allocated, and a CMYK JPEG says that it is one.
@Suite struct ImageLimitTests {
    /// `bytes` with the big-endian 16-bit `value` at `offset`.
    static func patched16(_ bytes: [UInt8], at offset: Int, _ value: Int) -> [UInt8] {
        var out = bytes
        out[offset] = UInt8(value >> 8)
        out[offset + 1] = UInt8(value & 0xff)
        return out
    }

    /// A 128-byte-scale JPEG whose header claims 65000 × 65000 pixels (12.7 GB as RGB) used to be
    /// allocated whole and decoded for a minute; it is refused from the header alone.
    @Test func jpegClaimingAHugeFrameIsRefusedUnread() throws {
        var jpeg = try ImageCodecTests.halvesJPEG(grey: false)
        let at = try #require(ForgedBytes.jpegFrameSizeOffset(jpeg))
        jpeg = Self.patched16(Self.patched16(jpeg, at: at, 65000), at: at + 2, 65000)
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: FormatError.self) { try JPEGReader().decodeImage(jpeg, path: "bomb.jpg") }
        #expect(error?.code == .tooLarge, "\(String(describing: error))")
        #expect(error?.description.contains("bomb.jpg: is 65000×65000 pixels") == true, "\(String(describing: error))")
        #expect(clock.now - start < .seconds(5))
    }

    /// A PNG whose IHDR (with a valid CRC) says 30000 × 30000: libpng used to allocate all 900 MB of
    /// rows before finding the data short.
    @Test func pngClaimingAHugeImageIsRefusedUnread() throws {
        var png = [UInt8](try Data(contentsOf: Repository.astronaut))
        for (offset, value) in [(16, 30000), (20, 30000)] {
            png.replaceSubrange(offset..<(offset + 4), with: withUnsafeBytes(of: UInt32(value).bigEndian, Array.init))
        }
        let crc = ForgedBytes.crc32(png[12..<29])
        png.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        let error = #expect(throws: FormatError.self) { try PNGCodec().decodeImage(png, path: "bomb.png") }
        #expect(error?.code == .tooLarge, "\(String(describing: error))")
    }

    /// A binary PPM claiming 60000 × 60000 RGB samples in a few bytes used to allocate 43 GB of
    /// samples before noticing; now the limit (and the bytes it would need) refuse it.
    @Test func ppmClaimingAHugeImageIsRefusedUnread() throws {
        let ppm = Array("P6\n60000 60000\n255\n".utf8) + [UInt8](repeating: 7, count: 12)
        let error = #expect(throws: FormatError.self) { try PPMReader().decodeImage(ppm, path: "bomb.ppm") }
        #expect(error?.code == .tooLarge && error?.path == "bomb.ppm", "\(String(describing: error))")
        // Within the limit but far larger than its bytes: refused as truncated, before allocating.
        let short = Array("P3\n9000 9000\n255\n1 2 3".utf8)
        let truncated = #expect(throws: FormatError.self) { try PPMReader().decodeImage(short, path: "short.ppm") }
        #expect(truncated?.code == .malformed, "\(String(describing: truncated))")
    }

    /// The limit is the caller's: every reader honours a lower one, and reads the same image under
    /// the standard one.
    @Test(arguments: ["png", "exr", "ppm"])
    func everyReaderHonoursTheCallersLimit(format id: String) throws {
        let format = try #require(FormatRegistry.standard.format(id: id))
        let folder = try TemporaryFolder()
        let (w, h) = (40, 30)
        let image: AnyImage =
            id == "exr"
            ? .float32(try Image(width: w, height: h, channels: 3, pixels: (0..<(w * h * 3)).map { Float($0) }))
            : .uint8(try Image(width: w, height: h, channels: 3, pixels: (0..<(w * h * 3)).map { UInt8($0 % 251) }))
        let name = "small.\(format.primaryExtension)"
        if let writer = format.imageWriter {
            let sink = DirectorySink(directory: folder.url)
            try writer.write(ImageAsset(image: image), fileName: name, to: sink)
            try sink.commit()
        } else {
            guard case .uint8(let rgb) = image else { return }
            try Data(Array("P6\n\(w) \(h)\n255\n".utf8) + rgb.pixels).write(to: folder.file(name))
        }
        let bytes = [UInt8](try Data(contentsOf: folder.file(name)))
        let reader = try #require(format.imageReader)
        let read = try reader.decodeImage(bytes, path: name, limits: .standard)
        #expect(read.image.width == w && read.image.height == h)
        let error = #expect(throws: FormatError.self) {
            try reader.decodeImage(bytes, path: name, limits: ImageLimits(maximumPixels: w * h - 1))
        }
        #expect(error?.code == .tooLarge && error?.description.hasPrefix("\(name): is 40×30 pixels") == true)
    }

    /// A CMYK (print) JPEG used to be reported as "damaged image data"; it is named for what it is.
    @Test func cmykJPEGSaysItIsCMYK() throws {
        let (w, h) = (16, 16)
        let pixels = [UInt8](repeating: 128, count: w * h * 4)
        let handle = try #require(tjInitCompress())
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = tjCompress2(
            handle, pixels, Int32(w), 0, Int32(h), Int32(TJPF_CMYK.rawValue), &out, &size, Int32(TJSAMP_444.rawValue),
            90, 0)
        defer { tjFree(out) }
        #expect(status == 0)
        let jpeg = Array(UnsafeBufferPointer(start: out, count: Int(size)))
        let error = #expect(throws: FormatError.self) { try JPEGReader().decodeImage(jpeg, path: "print.jpg") }
        #expect(error?.code == .unsupported, "\(String(describing: error))")
        #expect(error?.description.contains("print.jpg: is a CMYK JPEG") == true, "\(String(describing: error))")
    }
}

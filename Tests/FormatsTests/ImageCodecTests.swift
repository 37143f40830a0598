import CTurboJPEG
import Foundation
import TestSupport
import Testing

@testable import Formats

/// EXR, PNG and JPEG codecs on images whose every value is known.
@Suite struct ImageCodecTests {
    /// Deterministic pseudo-random floats spanning many magnitudes and both signs, plus specials.
    static func floats(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        var out: [Float] = [0, -0.0, 1, -1, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity]
        while out.count < count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let mantissa = Float(state >> 40) / Float(1 << 24)
            let exponent = Float(Int(state >> 32 & 63) - 32)
            out.append((state & 1 == 0 ? 1 : -1) * mantissa * Float(pow(2.0, Double(exponent))))
        }
        return Array(out.prefix(count))
    }

    static func roundTrip(_ asset: ImageAsset, _ format: FormatDescriptor, in folder: TemporaryFolder, name: String)
        throws -> ImageAsset
    {
        let sink = DirectorySink(directory: folder.url)
        try format.imageWriter!.write(asset, fileName: name, to: sink)
        try sink.commit()
        return try format.imageReader!.readImage(at: folder.file(name))
    }

    @Test(arguments: [1, 3, 4])
    func exrFloat32IsBitExact(channels: Int) throws {
        let folder = try TemporaryFolder()
        // 37×23 crosses ZIP's 16-line chunks and has no power-of-two stride.
        let image = try Image(
            width: 37, height: 23, channels: channels, pixels: Self.floats(37 * 23 * channels, seed: UInt64(channels)))
        let names = ImageAsset.defaultChannelNames(channels)
        let attributes: [String: ImageAttribute] = [
            "units": .string("mm"), "midlevel": .float(0), "scale": .float(1.25),
        ]
        let back = try Self.roundTrip(
            ImageAsset(image: .float32(image), channelNames: names, attributes: attributes),
            .openEXR, in: folder, name: "f\(channels).exr")
        guard case .float32(let read) = back.image else {
            Issue.record("expected float32, got \(back.image.componentKind)")
            return
        }
        #expect(read.pixels.map(\.bitPattern) == image.pixels.map(\.bitPattern))
        #expect(back.channelNames == names)
        #expect(back.attributes == attributes)
    }

    /// ZIP chunks are compressed by libdeflate (CEXRDeflate) and decoded by OpenEXR's own zlib
    /// path: a smooth map must shrink and come back bit for bit; random bits, which do not shrink,
    /// are stored raw per chunk and come back too.
    @Test func exrZipChunksFromLibdeflateDecodeExactly() throws {
        let folder = try TemporaryFolder()
        let (w, h) = (301, 67)
        // A smooth map in 1/256 steps (low mantissa bits zero, as a quantised map has them).
        let smooth = (0..<(w * h)).map {
            Float((sin(Double($0 % w) / 40) * cos(Double($0 / w) / 25) * 256).rounded() / 256)
        }
        let noise = Self.floats(w * h, seed: 99).map { Float(bitPattern: $0.bitPattern ^ 0x5A5A_5A5A) }
        for (name, values) in [("smooth.exr", smooth), ("noise.exr", noise)] {
            let image = try Image(width: w, height: h, channels: 1, pixels: values)
            let back = try Self.roundTrip(ImageAsset(image: .float32(image)), .openEXR, in: folder, name: name)
            guard case .float32(let read) = back.image else {
                Issue.record("\(name): expected float32")
                continue
            }
            #expect(read.pixels.map(\.bitPattern) == values.map(\.bitPattern), "\(name)")
        }
        let size = { (try? FileManager.default.attributesOfItem(atPath: folder.file($0).path)[.size] as? Int) ?? 0 }
        #expect(size("smooth.exr") < w * h * 4 * 6 / 10, "smooth map: \(size("smooth.exr")) bytes")
        #expect(size("noise.exr") >= w * h * 4, "noise: \(size("noise.exr")) bytes")
    }

    @Test func exrHalfIsExactForHalfValues() throws {
        let folder = try TemporaryFolder()
        let values = Self.floats(19 * 17 * 3, seed: 7).map { Float16($0) }  // every one representable
        let image = try Image(width: 19, height: 17, channels: 3, pixels: values)
        let back = try Self.roundTrip(ImageAsset(image: .float16(image)), .openEXR, in: folder, name: "h.exr")
        guard case .float16(let read) = back.image else {
            Issue.record("expected half")
            return
        }
        #expect(read.pixels.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func exrheaderReadsWhatWeWrite() throws {
        let folder = try TemporaryFolder()
        let sink = DirectorySink(directory: folder.url)
        let y = try Image(width: 64, height: 40, channels: 1, pixels: Self.floats(64 * 40, seed: 3))
        let rgba = try Image(width: 8, height: 8, channels: 4, pixels: Self.floats(256, seed: 4).map { Float16($0) })
        try OpenEXRCodec().write(
            ImageAsset(image: .float32(y), attributes: ["units": .string("mm")]), fileName: "y.exr", to: sink)
        try OpenEXRCodec().write(ImageAsset(image: .float16(rgba)), fileName: "rgba.exr", to: sink)
        try sink.commit()
        for (file, expected) in [
            ("y.exr", ["Y, 32-bit floating-point", "units (type string): \"mm\"", "zip"]),
            ("rgba.exr", ["A, 16-bit floating-point", "R, 16-bit floating-point"]),
        ] {
            let output = try run("/usr/bin/exrheader", [folder.file(file).path])
            #expect(output.status == 0, "\(file): \(output.text)")
            for line in expected {
                #expect(output.text.contains(line), "\(file) header lacks \(line):\n\(output.text)")
            }
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func pngIsExactAt8And16Bits(channels: Int) throws {
        let folder = try TemporaryFolder()
        let count = 13 * 11 * channels
        let eight = try Image(
            width: 13, height: 11, channels: channels, pixels: (0..<count).map { UInt8(truncatingIfNeeded: $0 * 37) })
        let sixteen = try Image(
            width: 13, height: 11, channels: channels,
            pixels: (0..<count).map { UInt16(truncatingIfNeeded: $0 * 2731 + 1) })
        let back8 = try Self.roundTrip(ImageAsset(image: .uint8(eight)), .png, in: folder, name: "a.png")
        let back16 = try Self.roundTrip(ImageAsset(image: .uint16(sixteen)), .png, in: folder, name: "b.png")
        #expect(back8.image == .uint8(eight))
        #expect(back16.image == .uint16(sixteen))
    }

    /// A 64×32 JPEG: left half dark, right half bright, as TurboJPEG encodes it.
    static func halvesJPEG(grey: Bool) throws -> [UInt8] {
        let (w, h) = (64, 32)
        let channels = grey ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h {
            for x in 0..<w { for c in 0..<channels { pixels[(y * w + x) * channels + c] = x < 32 ? 20 : 230 } }
        }
        let handle = try #require(tjInitCompress())
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = tjCompress2(
            handle, pixels, Int32(w), 0, Int32(h), grey ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue),
            &out, &size, grey ? Int32(TJSAMP_GRAY.rawValue) : Int32(TJSAMP_444.rawValue), 95, 0)
        defer { tjFree(out) }
        #expect(status == 0)
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }

    /// An APP1 Exif segment (big-endian TIFF) holding only the orientation tag.
    static func exifSegment(orientation: UInt16) -> [UInt8] {
        var tiff: [UInt8] = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1]  // "MM", IFD at 8, one entry
        tiff += [0x01, 0x12, 0, 3, 0, 0, 0, 1, UInt8(orientation >> 8), UInt8(orientation & 0xff), 0, 0]
        tiff += [0, 0, 0, 0]  // no next IFD
        let body: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = body.count + 2
        return [0xff, 0xe1, UInt8(length >> 8), UInt8(length & 0xff)] + body
    }

    @Test(arguments: [false, true])
    func jpegDecodesGreyAndColour(grey: Bool) throws {
        let folder = try TemporaryFolder()
        let bytes = try Self.halvesJPEG(grey: grey)
        try Data(bytes).write(to: folder.file("a.jpg"))
        let asset = try JPEGReader().readImage(at: folder.file("a.jpg"))
        guard case .uint8(let image) = asset.image else {
            Issue.record("expected 8-bit")
            return
        }
        #expect(image.width == 64 && image.height == 32)
        #expect(image.channels == (grey ? 1 : 3))
        #expect(abs(Int(image[5, 5, 0]) - 20) <= 4 && abs(Int(image[60, 5, 0]) - 230) <= 4)
    }

    @Test(arguments: [(6, "rotated 90° clockwise"), (8, "rotated 90° counter-clockwise"), (3, "rotated 180°")])
    func jpegAppliesExifOrientation(orientation: Int, meaning: String) throws {
        let folder = try TemporaryFolder()
        let plain = try Self.halvesJPEG(grey: false)
        let tagged = Array(plain[0..<2]) + Self.exifSegment(orientation: UInt16(orientation)) + Array(plain[2...])
        try Data(tagged).write(to: folder.file("o.jpg"))
        guard case .uint8(let image) = try JPEGReader().readImage(at: folder.file("o.jpg")).image else { return }
        func isDark(_ x: Int, _ y: Int) -> Bool { image[x, y, 0] < 100 }
        switch orientation {
        case 6:  // the stored left (dark) half is now on top
            #expect(image.width == 32 && image.height == 64, "\(meaning)")
            #expect(isDark(16, 5) && !isDark(16, 60), "\(meaning)")
        case 8:  // the stored left half is now at the bottom
            #expect(image.width == 32 && image.height == 64, "\(meaning)")
            #expect(!isDark(16, 5) && isDark(16, 60), "\(meaning)")
        default:  // the dark half moves to the right
            #expect(image.width == 64 && image.height == 32, "\(meaning)")
            #expect(!isDark(5, 16) && isDark(60, 16), "\(meaning)")
        }
    }
}

/// Runs a program and returns its exit status and combined output.
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (
    status: Int32, text: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct ChecksumTests {
    /// FIPS 180-4 test vectors: empty, "abc", and the two-block 448-bit message.
    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // FIPS 180-4's long vector, a million "a"s, hashed in place as an array and as Data.
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hex(million) == expected)
        #expect(SHA256.hex(Data(million)) == expected)
        #expect(SHA256.hex(million[1...]) != expected)
    }
}

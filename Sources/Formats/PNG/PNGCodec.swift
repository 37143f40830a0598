import CPNG
import Foundation

/// PNG read through libpng and written by the CPNG shim's own encoder (the Up filter, libdeflate):
/// 8- and 16-bit, 1–4 channels (grey, grey+alpha, RGB, RGBA), exact both ways.
/// Palette, low-bit-depth and tRNS images are read expanded to 8-bit grey/RGB(A).
struct PNGCodec: ImageReader, ImageWriter {
    func decodeImage(_ data: [UInt8], path: String, limits: ImageLimits) throws -> ImageAsset {
        // IHDR is the first chunk: its width and height are checked before libpng allocates rows.
        if data.count >= 24, data[12..<16].elementsEqual("IHDR".utf8) {
            func u32(_ at: Int) -> Int { data[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
            try limits.check(width: u32(16), height: u32(20), path: path)
        }
        var decoded = fd_png_image()
        var error = [CChar](repeating: 0, count: 512)
        let status = data.withUnsafeBufferPointer {
            fd_png_decode($0.baseAddress, data.count, &decoded, &error, error.count)
        }
        defer { fd_png_free(decoded.pixels) }
        guard status == 0 else {
            throw FormatError(
                .malformed, path: path, "is not a readable PNG file", reason: String(nullTerminated: error))
        }
        let (w, h, c) = (Int(decoded.width), Int(decoded.height), Int(decoded.channels))
        let count = w * h * c
        let image: AnyImage =
            decoded.bit_depth == 16
            ? .uint16(
                try Image(
                    width: w, height: h, channels: c,
                    pixels: Array(
                        UnsafeBufferPointer(
                            start: UnsafeRawPointer(decoded.pixels!).assumingMemoryBound(to: UInt16.self), count: count)
                    )))
            : .uint8(
                try Image(
                    width: w, height: h, channels: c,
                    pixels: Array(UnsafeBufferPointer(start: decoded.pixels, count: count))))
        return ImageAsset(image: image)
    }

    func write(_ asset: ImageAsset, fileName: String, to sink: any FileSink) throws {
        let image = asset.image
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var error = [CChar](repeating: 0, count: 512)
        // The pixels are handed over where they lie: a 16-bit 4096² RGB map is 100 MB, and a copy
        // of it into bytes would sit beside the encoder's filtered rows at the run's memory peak.
        func encode(_ pixels: UnsafeRawBufferPointer, depth: UInt32) -> Int32 {
            fd_png_encode(
                pixels.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(image.width),
                UInt32(image.height), UInt32(image.channels), depth, &out, &size, &error, error.count)
        }
        let status: Int32
        switch image {
        case .uint8(let i): status = i.pixels.withUnsafeBytes { encode($0, depth: 8) }
        case .uint16(let i): status = i.pixels.withUnsafeBytes { encode($0, depth: 16) }
        default:
            throw FormatError(
                .unsupported, path: fileName, "PNG stores 8- or 16-bit integer pixels",
                reason: "got \(image.componentKind.rawValue); map the values onto integers first (convert --range)")
        }
        defer { fd_png_free(out) }
        guard status == 0, let out else {
            throw FormatError(.writeFailed, path: fileName, "cannot encode PNG", reason: String(nullTerminated: error))
        }
        try sink.write(Array(UnsafeBufferPointer(start: out, count: size)), to: fileName)
    }
}

extension FormatDescriptor {
    public static let png = FormatDescriptor(
        id: "png", summary: "PNG, 8- or 16-bit, 1–4 channels", kind: .image, extensions: ["png"],
        capabilities: [.uint8, .uint16], backend: "libpng \(String(cString: fd_png_version())) + libdeflate",
        sniff: { $0.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
        imageReader: PNGCodec(), imageWriter: PNGCodec())
}

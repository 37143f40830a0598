import CTurboJPEG
import Foundation

/// JPEG through libjpeg-turbo's TurboJPEG API: greyscale stays one channel, everything else comes
/// out RGB, and the EXIF orientation is applied so row 0 is the top of the scene as a viewer shows it.
struct JPEGReader: ImageReader {
    func decodeImage(_ bytes: [UInt8], path: String, limits: ImageLimits) throws -> ImageAsset {
        guard let handle = tjInitDecompress() else {
            throw FormatError(.unreadable, path: path, "cannot start the JPEG decoder")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        func failure(_ message: String) -> FormatError {
            FormatError(.malformed, path: path, message, reason: String(cString: tjGetErrorStr2(handle)))
        }
        guard tjDecompressHeader3(handle, bytes, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0
        else {
            throw failure("is not a readable JPEG file")
        }
        try limits.check(width: Int(width), height: Int(height), path: path)
        // TurboJPEG cannot turn CMYK (print) JPEGs into RGB; say so rather than "damaged".
        if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
            throw FormatError(
                .unsupported, path: path, "is a CMYK JPEG",
                reason: "facedetail reads greyscale and RGB JPEGs; save it as RGB first")
        }
        let grey = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = grey ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let format = grey ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
        let status = tjDecompress2(
            handle, bytes, UInt(bytes.count), &pixels, width, 0, height, format, Int32(TJFLAG_ACCURATEDCT))
        // A warning (truncated scan, extraneous bytes) still leaves a usable image in libjpeg-turbo;
        // a damaged file is an error for us all the same.
        guard status == 0 else { throw failure("has damaged image data") }
        let image = try Image(width: Int(width), height: Int(height), channels: channels, pixels: pixels)
        let orientation = EXIFOrientation(jpeg: bytes)
        return ImageAsset(image: .uint8(orientation.applied(to: image)))
    }
}

extension FormatDescriptor {
    public static let jpeg = FormatDescriptor(
        id: "jpeg", summary: "JPEG, greyscale or colour, EXIF orientation applied (read only)", kind: .image,
        extensions: ["jpg", "jpeg"], capabilities: [.uint8], backend: "libjpeg-turbo (TurboJPEG)",
        sniff: { $0.starts(with: [0xff, 0xd8, 0xff]) }, imageReader: JPEGReader())
}

/// The largest image a reader will decode, checked against the file's header before any pixel
/// memory is allocated (libpng's `png_set_user_limits`, Pillow's `MAX_IMAGE_PIXELS`): a 128 KB
/// JPEG may claim 65000 × 65000 pixels, 12 GB once decoded.
public struct ImageLimits: Sendable, Hashable {
    /// Width × height, in pixels.
    public var maximumPixels: Int

    public init(maximumPixels: Int) { self.maximumPixels = maximumPixels }

    /// 200 megapixels: a 100 MP photo with room to spare (RGB, 8 bits: 600 MB decoded), and every
    /// map facedetail writes (8192² is 67 MP).
    public static let standard = ImageLimits(maximumPixels: 200_000_000)

    /// Throws `.tooLarge` when a `width` × `height` image is over the limit, or either side is not
    /// positive; `path` names the file (nil: the caller attributes the error).
    public func check(width: Int, height: Int, path: String? = nil) throws {
        guard width > 0, height > 0 else {
            throw FormatError(.malformed, path: path, "has an impossible size of \(width)×\(height) pixels")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maximumPixels else {
            throw FormatError(
                .tooLarge, path: path, "is \(width)×\(height) pixels, over the limit of \(maximumPixels)",
                reason: "raise it with --max-pixels if the file is trusted")
        }
    }
}

import Formats
import Foundation

/// A photo as the face pipeline sees it: 8-bit RGB, row 0 at the top, EXIF orientation applied,
/// in the file's own pixels (every coordinate we report refers to these).
public struct Photo: Sendable {
    /// Where it came from, for messages and manifests.
    public let url: URL
    /// Colour pixels, 3 channels, 8 bits.
    public let rgb: Image<UInt8>
    /// SHA-256 of the file's bytes, taken as they were read (nil for a photo made in memory).
    public let sha256: String?
    /// The lens's 35 mm-equivalent focal length from the file's EXIF (JPEG), mm; nil when not recorded.
    public let equivalentFocalMillimetres: Double?

    public var width: Int { rgb.width }
    public var height: Int { rgb.height }

    /// Smallest side we accept: dlib's HOG window is 80 px, and its upsampling pass halves that.
    public static let minimumSide = 32

    public init(url: URL, rgb: Image<UInt8>, sha256: String? = nil, equivalentFocalMillimetres: Double? = nil) {
        precondition(rgb.channels == 3, "Photo holds RGB")
        self.url = url
        self.rgb = rgb
        self.sha256 = sha256
        self.equivalentFocalMillimetres = equivalentFocalMillimetres
    }

    /// Reads any image format the registry knows (JPEG, PNG 8/16-bit with or without alpha, PPM/PGM,
    /// EXR), greyscale or colour; alpha is dropped and 16-bit or float samples are scaled to 8 bits.
    /// A photo whose header claims more pixels than `limits` allows is refused before decoding.
    public static func load(
        from url: URL, registry: FormatRegistry = .standard, limits: ImageLimits = .standard
    ) throws -> Photo {
        let asset: ImageAsset
        let checksum: String
        let exif: EXIFTags
        do {
            let format = try registry.readerFormat(for: url)
            guard let reader = format.imageReader else {
                throw FormatError(.unsupported, path: url.path, "is a \(format.id) file, not an image")
            }
            let bytes = try FileContents.read(url)
            checksum = SHA256.hex(bytes)
            exif = EXIFTags(jpeg: bytes)
            asset = try reader.decodeImage(bytes, path: url.path, limits: limits)
        } catch {
            throw ReconstructError(.unreadablePhoto, path: url.path, "cannot be read as a photo", cause: error)
        }
        let rgb = Self.rgb8(from: asset.image)
        guard rgb.width >= minimumSide, rgb.height >= minimumSide else {
            throw ReconstructError(
                .unreadablePhoto, path: url.path, "is too small to hold a face",
                reason: "\(rgb.width)×\(rgb.height) px, need at least \(minimumSide) px on each side")
        }
        return Photo(
            url: url, rgb: rgb, sha256: checksum, equivalentFocalMillimetres: exif.equivalentFocalMillimetres)
    }

    /// Grey values as dlib computes them from RGB (the unweighted mean), which is what its detector
    /// and landmark model were trained on.
    public func greyscale() -> Image<UInt8> {
        var grey = Image<UInt8>(width: width, height: height, channels: 1)
        rgb.pixels.withUnsafeBufferPointer { src in
            grey.pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count {
                    dst[i] = UInt8((UInt16(src[3 * i]) + UInt16(src[3 * i + 1]) + UInt16(src[3 * i + 2])) / 3)
                }
            }
        }
        return grey
    }

    static func rgb8(from image: AnyImage) -> Image<UInt8> {
        let eight: Image<UInt8>
        switch image {
        case .uint8(let i): eight = i
        case .uint16(let i): eight = i.map { UInt8((UInt32($0) + 128) / 257) }
        case .float16(let i): eight = i.map { unitToByte(Float($0)) }
        case .float32(let i): eight = i.map(unitToByte)
        }
        if eight.channels == 3 { return eight }
        var out = Image<UInt8>(width: eight.width, height: eight.height, channels: 3)
        let c = eight.channels
        for p in 0..<(eight.width * eight.height) {
            if c <= 2 {
                let v = eight.pixels[p * c]
                out.pixels[3 * p] = v
                out.pixels[3 * p + 1] = v
                out.pixels[3 * p + 2] = v
            } else {
                for k in 0..<3 { out.pixels[3 * p + k] = eight.pixels[p * c + k] }
            }
        }
        return out
    }

    private static func unitToByte(_ v: Float) -> UInt8 {
        v.isNaN ? 0 : UInt8((min(max(v, 0), 1) * 255).rounded())
    }
}

/// A pixel component type an `Image` can hold.
public protocol PixelComponent: Sendable, Equatable, Hashable {
    static var componentKind: PixelComponentKind { get }
    static var zero: Self { get }
}

/// The component types of images: 8- and 16-bit unsigned integers, half and single floats.
public enum PixelComponentKind: String, Sendable, Codable {
    case uint8, uint16, float16, float32
    public var bitsPerComponent: Int {
        switch self {
        case .uint8: 8
        case .uint16, .float16: 16
        case .float32: 32
        }
    }
}

extension UInt8: PixelComponent { public static var componentKind: PixelComponentKind { .uint8 } }
extension UInt16: PixelComponent { public static var componentKind: PixelComponentKind { .uint16 } }
extension Float16: PixelComponent { public static var componentKind: PixelComponentKind { .float16 } }
extension Float: PixelComponent { public static var componentKind: PixelComponentKind { .float32 } }

/// An interleaved raster of 1–4 channels; row 0 is the top row (DESIGN.md §3).
///
/// `pixels` holds width × height × channels components, row-major, channels interleaved.
public struct Image<Pixel: PixelComponent>: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [Pixel]

    /// A black image.
    public init(width: Int, height: Int, channels: Int) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels), "bad image shape")
        self.width = width
        self.height = height
        self.channels = channels
        pixels = [Pixel](repeating: .zero, count: width * height * channels)
    }

    /// An image over existing components; throws when their count does not match the shape.
    public init(width: Int, height: Int, channels: Int, pixels: [Pixel]) throws {
        guard width > 0, height > 0, (1...4).contains(channels), pixels.count == width * height * channels else {
            throw FormatError.invalidAsset(
                "image of \(width)×\(height)×\(channels) needs \(max(0, width * height * channels)) components, got \(pixels.count)"
            )
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    @inlinable public subscript(x: Int, y: Int, c: Int) -> Pixel {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The same image with each component mapped by `transform`.
    public func map<T: PixelComponent>(_ transform: (Pixel) -> T) -> Image<T> {
        var out = Image<T>(width: width, height: height, channels: channels)
        out.pixels = pixels.map(transform)
        return out
    }
}

/// An image whose component type is known only at run time, as readers return it.
public enum AnyImage: Sendable, Equatable {
    case uint8(Image<UInt8>)
    case uint16(Image<UInt16>)
    case float16(Image<Float16>)
    case float32(Image<Float>)

    public var width: Int { visit { $0.width } }
    public var height: Int { visit { $0.height } }
    public var channels: Int { visit { $0.channels } }
    public var componentKind: PixelComponentKind {
        switch self {
        case .uint8: .uint8
        case .uint16: .uint16
        case .float16: .float16
        case .float32: .float32
        }
    }

    private func visit<R>(_ body: (ImageShape) -> R) -> R {
        switch self {
        case .uint8(let i): body(ImageShape(i))
        case .uint16(let i): body(ImageShape(i))
        case .float16(let i): body(ImageShape(i))
        case .float32(let i): body(ImageShape(i))
        }
    }

    /// The image as floats: integer components normalised to [0, 1], floats as they are.
    public func normalizedFloats() -> Image<Float> {
        switch self {
        case .uint8(let i): i.map { Float($0) / 255 }
        case .uint16(let i): i.map { Float($0) / 65535 }
        case .float16(let i): i.map { Float($0) }
        case .float32(let i): i
        }
    }
}

private struct ImageShape {
    let width, height, channels: Int
    init<P>(_ image: Image<P>) { (width, height, channels) = (image.width, image.height, image.channels) }
}

/// A value of an image file's header attribute.
public enum ImageAttribute: Sendable, Equatable, Hashable {
    case string(String)
    case float(Float)
}

/// An image file's content: pixels, channel names, header attributes.
///
/// Channel names follow OpenEXR ("Y" for one channel, "R", "G", "B", "A"); formats without names
/// use those defaults. Attributes are those the format can carry (EXR: any; PNG: none).
public struct ImageAsset: Sendable, Equatable {
    public var image: AnyImage
    public var channelNames: [String]
    public var attributes: [String: ImageAttribute]

    public init(image: AnyImage, channelNames: [String]? = nil, attributes: [String: ImageAttribute] = [:]) {
        self.image = image
        self.channelNames = channelNames ?? ImageAsset.defaultChannelNames(image.channels)
        self.attributes = attributes
    }

    public static func defaultChannelNames(_ channels: Int) -> [String] {
        switch channels {
        case 1: ["Y"]
        case 2: ["Y", "A"]
        case 3: ["R", "G", "B"]
        default: ["R", "G", "B", "A"]
        }
    }
}

/// What a format's writer keeps (OpenImageIO's `supports()`); `convert` warns about the rest.
public struct FormatCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let uvs = FormatCapabilities(rawValue: 1 << 0)
    public static let normals = FormatCapabilities(rawValue: 1 << 1)
    public static let materials = FormatCapabilities(rawValue: 1 << 2)
    public static let baseColorTexture = FormatCapabilities(rawValue: 1 << 3)
    public static let normalTexture = FormatCapabilities(rawValue: 1 << 4)
    public static let vertexColors = FormatCapabilities(rawValue: 1 << 5)
    public static let quads = FormatCapabilities(rawValue: 1 << 6)
    public static let unitInFile = FormatCapabilities(rawValue: 1 << 7)
    public static let multiFile = FormatCapabilities(rawValue: 1 << 8)
    public static let tangents = FormatCapabilities(rawValue: 1 << 9)
    public static let float32 = FormatCapabilities(rawValue: 1 << 10)
    public static let float16 = FormatCapabilities(rawValue: 1 << 11)
    public static let uint8 = FormatCapabilities(rawValue: 1 << 12)
    public static let uint16 = FormatCapabilities(rawValue: 1 << 13)
    public static let attributes = FormatCapabilities(rawValue: 1 << 14)
    public static let displacementTexture = FormatCapabilities(rawValue: 1 << 15)
    public static let roughnessTexture = FormatCapabilities(rawValue: 1 << 16)
    /// Texture references may name OpenEXR files (glTF allows PNG and JPEG only).
    public static let exrTextures = FormatCapabilities(rawValue: 1 << 17)
    /// Named morph targets (blendshapes) with their default weights (`MorphTarget`).
    public static let morphTargets = FormatCapabilities(rawValue: 1 << 18)

    /// Names for listings, in a fixed order.
    public static let names: [(FormatCapabilities, String)] = [
        (.uvs, "uvs"), (.normals, "normals"), (.tangents, "tangents"), (.vertexColors, "vertexColors"),
        (.quads, "quads"), (.morphTargets, "morphTargets"), (.materials, "materials"),
        (.baseColorTexture, "baseColorTexture"),
        (.normalTexture, "normalTexture"), (.displacementTexture, "displacementTexture"),
        (.roughnessTexture, "roughnessTexture"), (.exrTextures, "exrTextures"), (.unitInFile, "unitInFile"),
        (.multiFile, "multiFile"),
        (.uint8, "uint8"), (.uint16, "uint16"), (.float16, "float16"), (.float32, "float32"),
        (.attributes, "attributes"),
    ]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// How a format's files hold lengths.
public enum UnitPolicy: Sendable, Hashable {
    /// The format fixes the unit (glTF: metres) or our writer always records this one (FBX: cm).
    case fixed(LengthUnit)
    /// The format stores bare numbers; we write `MeshWriteOptions.unitlessFormatUnit`.
    case unitless
}

/// One registered format: its id, what it is, how to recognise it, and its plugins.
///
/// Several ids may share an extension (ply / plyb); `sniff` then tells them apart by content.
public struct FormatDescriptor: Sendable {
    public enum Kind: String, Sendable { case mesh, image }

    public let id: String
    public let summary: String
    public let kind: Kind
    /// Lower-case extensions without the dot; the first is what writers use.
    public let extensions: [String]
    public let capabilities: FormatCapabilities
    public let unitPolicy: UnitPolicy
    /// Library doing the work, e.g. "Assimp 5.2.4" or "native".
    public let backend: String
    /// True when the file's first 64 bytes positively identify this format (a signature, never a
    /// mere absence of one); nil if the extension must do.
    public let sniff: (@Sendable ([UInt8]) -> Bool)?
    public let meshReader: (any MeshReader)?
    public let meshWriter: (any MeshWriter)?
    public let imageReader: (any ImageReader)?
    public let imageWriter: (any ImageWriter)?

    public init(
        id: String, summary: String, kind: Kind, extensions: [String],
        capabilities: FormatCapabilities = [], unitPolicy: UnitPolicy = .unitless, backend: String,
        sniff: (@Sendable ([UInt8]) -> Bool)? = nil, meshReader: (any MeshReader)? = nil,
        meshWriter: (any MeshWriter)? = nil, imageReader: (any ImageReader)? = nil,
        imageWriter: (any ImageWriter)? = nil
    ) {
        self.id = id
        self.summary = summary
        self.kind = kind
        self.extensions = extensions
        self.capabilities = capabilities
        self.unitPolicy = unitPolicy
        self.backend = backend
        self.sniff = sniff
        self.meshReader = meshReader
        self.meshWriter = meshWriter
        self.imageReader = imageReader
        self.imageWriter = imageWriter
    }

    public var canRead: Bool { meshReader != nil || imageReader != nil }
    public var canWrite: Bool { meshWriter != nil || imageWriter != nil }
    public var primaryExtension: String { extensions.first ?? id }

    /// The unit this format's files hold lengths in, given the writer options.
    public func fileUnit(for options: MeshWriteOptions) -> LengthUnit {
        switch unitPolicy {
        case .fixed(let unit): unit
        case .unitless: options.unitlessFormatUnit
        }
    }
}

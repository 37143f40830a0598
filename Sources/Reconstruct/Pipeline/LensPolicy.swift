/// The proxy fit's camera model. Weak perspective is the default: on `bench truth` (24 faces,
/// seed 1) the pinhole fit told each render's true focal length came out 11.8 % below the mean
/// face against 12.7 %, with texture misregistration 3.11 mm against 3.04 mm and the dominant
/// blendshape in the top 3 on 33 % of faces against 38 %; only the scale error improved (5.5 %
/// against 6.5 %). Fitted to exact landmark projections through a 35 mm lens at 0.5 m the pinhole
/// fit halves the shape error (3.5 against 7.5 mm): the detector's own error (5.4 % of the
/// inter-ocular distance on the renders) is what hides the gain (docs/benchmarks.md).
public enum CameraModel: String, Codable, CaseIterable, Sendable {
    /// A pinhole camera at the photo's focal length (`LensPolicy` says which).
    case perspective
    /// Weak perspective (scaled orthographic), the landmark fit of the paper and of eos.
    case orthographic
}

/// Which focal length the pinhole fit uses for a photo: an explicit one, else the photo's EXIF
/// FocalLengthIn35mmFilm, else `defaultEquivalentFocalMillimetres`. All are 35 mm-equivalent
/// millimetres (by the diagonal, `CameraIntrinsics`).
public struct LensPolicy: Codable, Sendable, Equatable {
    public var camera: CameraModel = .orthographic
    /// Overrides the photo's EXIF, mm (35 mm equivalent).
    public var focalLength: Double? = nil

    /// A photo without EXIF is taken as shot with this lens, mm (35 mm equivalent): the "normal"
    /// lens, between a phone's 26–28 mm and a portrait lens's 85 mm. On `bench truth` (lenses of
    /// 35–135 mm, EXIF withheld) the pinhole fit at 50 mm came within 0.5 points of the fit told
    /// the true focal length (11.3 % against 11.8 % below the mean face).
    public static let defaultEquivalentFocalMillimetres = 50.0
    /// Focal lengths an option may give, mm (35 mm equivalent).
    public static let focalLengths = 8.0...2000.0

    public init(camera: CameraModel = .orthographic, focalLength: Double? = nil) {
        self.camera = camera
        self.focalLength = focalLength
    }

    /// Where a photo's focal length came from.
    public enum Source: String, Codable, Sendable {
        case option, exif, assumed
    }

    /// The lens a fit of `photo` uses: nil for the orthographic camera.
    public func lens(for photo: Photo) -> Lens? {
        guard camera == .perspective else { return nil }
        let (f35, source): (Double, Source) =
            if let focalLength { (focalLength, .option) } else if let exif = photo.equivalentFocalMillimetres {
                (exif, .exif)
            } else { (Self.defaultEquivalentFocalMillimetres, .assumed) }
        return Lens(
            source: source, equivalentFocalMillimetres: f35,
            intrinsics: CameraIntrinsics(equivalentFocalMillimetres: f35, width: photo.width, height: photo.height))
    }
}

/// The lens a pinhole fit assumed, as the manifest records it.
public struct Lens: Codable, Sendable, Equatable {
    public let source: LensPolicy.Source
    /// 35 mm-equivalent focal length, mm.
    public let equivalentFocalMillimetres: Double
    public let intrinsics: CameraIntrinsics
}

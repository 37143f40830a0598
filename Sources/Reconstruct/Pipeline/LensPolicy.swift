/// The proxy fit's camera model. The pinhole is the default since the dense fit (`DenseFitter`):
/// on `bench truth` (24 faces, no EXIF, so at the assumed 50 mm) it came out 22.1 % below the mean
/// face against 20.9 % for weak perspective on seed 1, 23.2 % against 21.3 % on the held-out seed
/// 2, with texture misregistration 2.66 against 2.71 mm and 2.60 against 2.86 mm. With the
/// landmark fit alone it did not pay (11.3 % against 12.7 %): the detector's own error hid the gain
/// that exact landmarks show (3.5 against 7.5 mm through a 35 mm lens at 0.5 m; docs/benchmarks.md).
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
    public var camera: CameraModel = .perspective
    /// Overrides the photo's EXIF, mm (35 mm equivalent).
    public var focalLength: Double? = nil

    /// A photo without EXIF is taken as shot with this lens, mm (35 mm equivalent): the "normal"
    /// lens, between a phone's 26–28 mm and a portrait lens's 85 mm. On `bench truth` (lenses of
    /// 35–135 mm, EXIF withheld) the dense fit at 50 mm came within 1.6 points of the fit told the
    /// true focal length on seed 1 (22.1 % against 23.7 % below the mean face) and 0.3 on seed 2.
    public static let defaultEquivalentFocalMillimetres = 50.0
    /// Focal lengths an option may give, mm (35 mm equivalent).
    public static let focalLengths = 8.0...2000.0

    public init(camera: CameraModel = .perspective, focalLength: Double? = nil) {
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

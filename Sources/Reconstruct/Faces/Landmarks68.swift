/// The 68 facial landmarks of the iBUG 300-W / Multi-PIE layout, 0-based (DESIGN.md §3):
/// 0–16 jaw (from the subject's right, image left, to the chin at 8 and on to the subject's left),
/// 17–21 right brow, 22–26 left brow, 27–30 nose bridge (30 = tip), 31–35 nostrils,
/// 36–41 right eye, 42–47 left eye, 48–59 outer lips, 60–67 inner lips.
/// "Right" and "left" are the subject's. Points are in pixels with the origin at the top-left
/// corner of the top-left pixel, x right, y down.
public struct Landmarks68: Sendable, Equatable {
    public static let count = 68
    public static let jaw = 0...16
    public static let chin = 8
    public static let rightBrow = 17...21
    public static let leftBrow = 22...26
    public static let noseBridge = 27...30
    public static let noseTip = 30
    public static let nostrils = 31...35
    public static let rightEye = 36...41
    public static let leftEye = 42...47
    public static let outerLips = 48...59
    public static let innerLips = 60...67

    public let points: [SIMD2<Double>]

    public init(points: [SIMD2<Double>]) {
        precondition(points.count == Self.count, "68 landmarks expected, got \(points.count)")
        self.points = points
    }

    public subscript(index: Int) -> SIMD2<Double> { points[index] }

    public func centre(of range: ClosedRange<Int>) -> SIMD2<Double> {
        range.reduce(SIMD2<Double>.zero) { $0 + points[$1] } / Double(range.count)
    }

    /// Distance between the two eye centres, pixels: the usual normaliser for landmark errors.
    public var interocularDistance: Double {
        let d = centre(of: Self.leftEye) - centre(of: Self.rightEye)
        return (d * d).sum().squareRoot()
    }

    /// The landmarks' bounding box.
    public var bounds: FaceBox {
        let xs = points.map(\.x)
        let ys = points.map(\.y)
        let x0 = xs.min()!
        let y0 = ys.min()!
        return FaceBox(x: x0, y: y0, width: xs.max()! - x0, height: ys.max()! - y0)
    }
}

/// An axis-aligned box in pixels (origin at the top-left corner of the top-left pixel).
public struct FaceBox: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var area: Double { width * height }

    public func contains(_ p: SIMD2<Double>) -> Bool {
        p.x >= x && p.x <= x + width && p.y >= y && p.y <= y + height
    }

    public func union(_ other: FaceBox) -> FaceBox {
        let x0 = min(x, other.x)
        let y0 = min(y, other.y)
        return FaceBox(
            x: x0, y: y0, width: max(x + width, other.x + other.width) - x0,
            height: max(y + height, other.y + other.height) - y0)
    }

    /// Intersection over union, 0…1.
    public func overlap(with other: FaceBox) -> Double {
        let w = min(x + width, other.x + other.width) - max(x, other.x)
        let h = min(y + height, other.y + other.height) - max(y, other.y)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        return inter / (area + other.area - inter)
    }
}

/// One face found in a photo.
public struct DetectedFace: Sendable, Equatable {
    /// The face's box in the photo: the detector's box grown to hold every landmark.
    public var box: FaceBox
    /// The detector's own box (dlib's square-ish window, which often cuts the chin or jaw corners).
    public var detectorBox: FaceBox
    /// dlib's detection confidence (SVM margin; above 0 at its default threshold). Unitless.
    public var score: Double
    /// In-plane rotation (degrees, counter-clockwise on screen) at which the face was found; 0 for
    /// upright faces, ±15 or ±30 when the retry for rolled heads found it.
    public var rotation: Double
    /// How often the detection image was doubled in size to find it (0 or 1).
    public var upsampled: Int
    public var landmarks: Landmarks68
}

import CDlibBridge
import Formats
import Foundation

/// A box in a detection image's pixel indices (pixel centres at integers, edges inclusive: dlib's).
struct PixelBox: Sendable {
    var left: Double, top: Double, right: Double, bottom: Double

    var width: Double { right - left + 1 }
    var height: Double { bottom - top + 1 }
    var centre: SIMD2<Double> { SIMD2((left + right) / 2, (top + bottom) / 2) }

    init(left: Double, top: Double, right: Double, bottom: Double) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
    }

    init(centre: SIMD2<Double>, width: Double, height: Double) {
        self.init(
            left: centre.x - (width - 1) / 2, top: centre.y - (height - 1) / 2, right: centre.x + (width - 1) / 2,
            bottom: centre.y + (height - 1) / 2)
    }

    func translated(by d: SIMD2<Double>) -> PixelBox {
        PixelBox(left: left + d.x, top: top + d.y, right: right + d.x, bottom: bottom + d.y)
    }

    /// The same box in an image `factor` times larger (pixel centres map c → (c + ½)·f − ½).
    func scaled(by factor: Double) -> PixelBox {
        func f(_ v: Double) -> Double { (v + 0.5) * factor - 0.5 }
        return PixelBox(left: f(left), top: f(top), right: f(right), bottom: f(bottom))
    }

    var detection: fd_detection {
        fd_detection(left: left, top: top, right: right, bottom: bottom, confidence: 0, filter: 0)
    }
}

/// dlib's 68-point predictor was trained on boxes from its HOG detector, and its error grows when
/// started from boxes framed otherwise. These maps put any box into that framing. The constants
/// were fitted by `facedetail bench faces --fit-framing` on the un-augmented bench photos (faces
/// both detectors find; docs/landmarks.md has the figures).
enum PredictorFraming {
    /// HOG box centre minus CNN box centre, in CNN box sides (x, y), and HOG side over CNN side.
    static let cnnOffset = SIMD2<Double>(0.070, 0.104)
    static let cnnScale = 0.917
    /// The HOG box of a face from its 68 points: centre = the points' mean + offset · span, side =
    /// scale · span, where span is the distance between the jaw's ends (points 0 and 16).
    static let pointsOffset = SIMD2<Double>(-0.016, -0.039)
    static let pointsScale = 1.056

    static func box(fromCNN box: PixelBox) -> PixelBox {
        let centre = box.centre + cnnOffset * SIMD2(box.width, box.height)
        return PixelBox(centre: centre, width: box.width * cnnScale, height: box.height * cnnScale)
    }

    static func box(implying points: [SIMD2<Double>]) -> PixelBox {
        let mean = points.reduce(SIMD2<Double>.zero, +) / Double(points.count)
        let d = points[16] - points[0]
        let span = (d * d).sum().squareRoot()
        return PixelBox(centre: mean + pointsOffset * span, width: span * pointsScale, height: span * pointsScale)
    }
}

/// One detection from one pass of one detector.
struct Candidate {
    /// The detector's box in its detection image.
    let box: PixelBox
    /// The box handed to the shape predictor (the detector's box in HOG framing).
    let predictorBox: PixelBox
    let confidence: Double
    let rotation: ImageRotation?
    let upsampled: Int
    /// Photo pixels per detection-image pixel.
    let scale: Double
    /// Found by the CNN (its landmarks are framed by `cnnLandmarks`).
    var fromCNN = false

    var sortKey: [Double] { [box.top, box.left, rotation?.degrees ?? 0] }

    /// The detection's box in photo pixels (corner-based); for a rotated detection the bounds
    /// of its turned-back corners.
    func boxInPhoto() -> FaceBox {
        let (r, b) = (box.right + 1, box.bottom + 1)
        let corners: [(Double, Double)] = [(box.left, box.top), (r, box.top), (box.left, b), (r, b)]
        var xs: [Double] = []
        var ys: [Double] = []
        for (x, y) in corners {
            let (sx, sy) = rotation?.toSource(x, y) ?? (x, y)
            xs.append(sx * scale)
            ys.append(sy * scale)
        }
        return FaceBox(x: xs.min()!, y: ys.min()!, width: xs.max()! - xs.min()!, height: ys.max()! - ys.min()!)
    }
}

/// What the detection passes found, and the turned greyscale images rotated candidates live in.
struct DetectionPasses {
    var candidates: [Candidate] = []
    var rotated: [Double: Image<UInt8>] = [:]
    /// The upright greyscale detection image (the photo, downscaled for large photos).
    var upright: Image<UInt8>
}

extension FaceFinder {
    /// The passes both detectors make on a detection image `small` (greyscale `upright`): plain;
    /// 2× when nothing was found (or every face is asked for) and the image is at most
    /// `upsampleUpToPixels`, keeping only faces narrower than the detector's `window` (px; larger ones the plain pass
    /// has judged, and the 2× pass adds mostly false positives there); then, while nothing has
    /// been found, the same two in the image turned by each angle of a tier. `detect(rotation,
    /// grey, upsample)` runs the detector on the image turned by `rotation` (nil: upright), whose
    /// greyscale is `grey`.
    private func passes(
        upright: Image<UInt8>, tiers: [[Double]], window: Double,
        detect: (_ rotation: ImageRotation?, _ grey: Image<UInt8>, _ upsample: Int) throws -> [Candidate]
    ) throws -> DetectionPasses {
        let mayUpsample = upright.width * upright.height <= options.upsampleUpToPixels
        var passes = DetectionPasses(upright: upright)
        func look(_ rotation: ImageRotation?, _ grey: Image<UInt8>) throws -> [Candidate] {
            var found = try detect(rotation, grey, 0)
            if mayUpsample && (found.isEmpty || options.allFaces) {
                found += try detect(rotation, grey, 1).filter { $0.box.width < window }
            }
            return found
        }
        passes.candidates = try look(nil, upright)
        for tier in tiers where passes.candidates.isEmpty {
            for degrees in tier {
                let rotation = ImageRotation(degrees: degrees, width: upright.width, height: upright.height)
                let turned = upright.rotated(by: rotation)
                passes.rotated[degrees] = turned
                passes.candidates += try look(rotation, turned)
            }
        }
        return passes
    }

    /// HOG on the greyscale photo (above `maxDetectionPixels` downscaled), turned by `rotationTiers`.
    func hogCandidates(_ grey: Image<UInt8>) throws -> DetectionPasses {
        let factor = max(
            1, Int((Double(grey.width * grey.height) / Double(options.maxDetectionPixels)).squareRoot().rounded(.up)))
        let small = grey.downscaled(by: factor)
        return try passes(upright: small, tiers: options.rotationTiers, window: Self.hogWindow) {
            rotation, image, upsample in
            try detector.detect(image, upsample: upsample, threshold: options.minimumScore).map {
                let box = PixelBox(left: $0.left, top: $0.top, right: $0.right, bottom: $0.bottom)
                return Candidate(
                    box: box, predictorBox: box, confidence: $0.confidence, rotation: rotation, upsampled: upsample,
                    scale: Double(factor))
            }
        }
    }

    /// The CNN on the RGB photo (above `maxCNNPixels` downscaled), turned by `cnnRotationTiers`.
    func cnnCandidates(_ photo: Photo, grey: Image<UInt8>) throws -> DetectionPasses {
        guard let cnn else { throw ReconstructError(.invalidArgument, "the CNN detector was chosen but not loaded") }
        let pixels = Double(photo.width * photo.height)
        let factor = max(1, Int((pixels / Double(options.maxCNNPixels)).squareRoot().rounded(.up)))
        let small = photo.rgb.downscaled(by: factor)
        let window = Double(cnn.network.settings.windows.map(\.width).min() ?? 80)
        return try passes(upright: grey.downscaled(by: factor), tiers: options.cnnRotationTiers, window: window) {
            rotation, _, upsample in
            let turned = rotation.map { small.rotated(by: $0) } ?? small
            let image = upsample == 0 ? turned : turned.resized(width: turned.width * 2, height: turned.height * 2)
            return try cnn.detect(image, threshold: options.minimumCNNScore).map {
                var box = PixelBox(
                    left: Double($0.left), top: Double($0.top), right: Double($0.right), bottom: Double($0.bottom))
                if upsample > 0 { box = box.scaled(by: 0.5) }
                return Candidate(
                    box: box, predictorBox: PredictorFraming.box(fromCNN: box), confidence: $0.score,
                    rotation: rotation, upsampled: upsample, scale: Double(factor), fromCNN: true)
            }
        }
    }
}

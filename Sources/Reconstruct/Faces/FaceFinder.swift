import CDlibBridge
import Formats
import Foundation

/// Finds faces and their 68 landmarks in a photo with dlib, retrying the ways the frontal HOG
/// detector is known to miss: small faces (one 2× upsampling) and rolled heads (the image turned
/// ±15°, then ±30°, landmarks mapped back). Deterministic: same photo, same faces.
public struct FaceFinder: Sendable {
    public struct Options: Sendable {
        /// Every face (largest detector box first) rather than only the largest.
        public var allFaces = false
        /// Photos above this many pixels are box-downscaled by an integer factor for detection;
        /// landmarks are still predicted at full resolution for upright faces.
        public var maxDetectionPixels = 12_000_000
        /// The 2× upsampling pass runs when the detection image has at most this many pixels:
        /// it finds faces down to ~40 px wide, at 4× the cost.
        public var upsampleUpToPixels = 1_500_000
        /// Rotation tiers tried in turn while no face has been found.
        public var rotationTiers: [[Double]] = [[-15, 15], [-30, 30]]
        /// Lowest detection confidence (dlib's SVM margin) reported as a face. dlib's own default is
        /// 0; on our test photos an embroidered badge scored 0.06–0.08 while real faces, frontal or
        /// turned, scored 0.4–2.6, so 0.25 drops such false positives and keeps the faces.
        public var minimumScore = 0.25
        /// Two detections overlapping more than this (intersection over union) are one face.
        public var sameFaceOverlap = 0.3

        public init(allFaces: Bool = false, minimumScore: Double = 0.25) {
            self.allFaces = allFaces
            self.minimumScore = minimumScore
        }
    }

    /// Side of dlib's frontal detector window, pixels: the smallest face the plain pass finds.
    static let hogWindow = 80.0

    public let detector: HOGFaceDetector
    public let predictor: LandmarkPredictor
    public var options: Options

    public init(detector: HOGFaceDetector, predictor: LandmarkPredictor, options: Options = Options()) throws {
        guard predictor.partCount == Landmarks68.count else {
            throw ReconstructError(
                .missingData, path: predictor.url.path, "is not a 68-point landmark model",
                reason: "it predicts \(predictor.partCount) points")
        }
        self.detector = detector
        self.predictor = predictor
        self.options = options
    }

    /// dlib's HOG detector and the shape predictor loaded from `landmarkModel` (1–2 s).
    public init(landmarkModel: URL, options: Options = Options()) throws {
        try self.init(
            detector: HOGFaceDetector(), predictor: LandmarkPredictor(contentsOf: landmarkModel), options: options)
    }

    /// Wall-clock seconds spent per step of one `faces(in:)` call, for benchmarks.
    public struct Timings: Sendable {
        /// Greyscale conversion, downscaling and every detector pass (with retries).
        public var detection = 0.0
        /// Shape prediction for the faces kept.
        public var landmarks = 0.0
        public init() {}
    }

    /// The faces in `photo`, largest first (only the largest unless `options.allFaces`).
    /// Throws `.noFace` naming the photo when none is found.
    public func faces(in photo: Photo) throws -> [DetectedFace] {
        var timings = Timings()
        return try faces(in: photo, timings: &timings)
    }

    public func faces(in photo: Photo, timings: inout Timings) throws -> [DetectedFace] {
        let clock = ContinuousClock()
        let started = clock.now
        let grey = photo.greyscale()
        let factor = max(
            1, Int((Double(grey.width * grey.height) / Double(options.maxDetectionPixels)).squareRoot().rounded(.up)))
        let small = grey.downscaled(by: factor)
        let mayUpsample = small.width * small.height <= options.upsampleUpToPixels
        let scale = Double(factor)

        var candidates = try detector.detect(small, upsample: 0, threshold: options.minimumScore).map {
            Candidate(raw: $0, rotation: nil, upsampled: 0)
        }
        if mayUpsample && (candidates.isEmpty || options.allFaces) {
            // Only faces below the 80-px HOG window come from the upsampled pass: at larger sizes the
            // plain pass has already looked, and the upsampled one adds mostly false positives.
            candidates += try detector.detect(small, upsample: 1, threshold: options.minimumScore)
                .filter { $0.right - $0.left + 1 < Self.hogWindow }
                .map { Candidate(raw: $0, rotation: nil, upsampled: 1) }
        }
        var rotatedImages: [Double: Image<UInt8>] = [:]
        for tier in options.rotationTiers where candidates.isEmpty {
            for degrees in tier {
                let rotation = ImageRotation(degrees: degrees, width: small.width, height: small.height)
                let turned = small.rotated(by: rotation)
                rotatedImages[degrees] = turned
                candidates += try detector.detect(
                    turned, upsample: mayUpsample ? 1 : 0, threshold: options.minimumScore
                )
                .map { Candidate(raw: $0, rotation: rotation, upsampled: mayUpsample ? 1 : 0) }
            }
        }
        guard !candidates.isEmpty else {
            throw ReconstructError(
                .noFace, path: photo.url.path, "no face found",
                reason: "dlib's frontal detector found none upright, upsampled or turned ±30°")
        }

        // One face per place: strongest detection wins among overlapping ones.
        let ranked = candidates.sorted { (a: Candidate, b: Candidate) -> Bool in
            if a.raw.confidence != b.raw.confidence { return a.raw.confidence > b.raw.confidence }
            return a.sortKey.lexicographicallyPrecedes(b.sortKey)
        }
        var kept: [(Candidate, FaceBox)] = []
        for c in ranked {
            let box = c.boxInPhoto(scale: scale)
            let limit = options.sameFaceOverlap
            if kept.allSatisfy({ (_, other: FaceBox) in other.overlap(with: box) <= limit }) { kept.append((c, box)) }
        }
        kept.sort { a, b in
            let (p, q) = (a.1, b.1)
            if p.area != q.area { return p.area > q.area }
            return p.y != q.y ? p.y < q.y : p.x < q.x
        }
        if !options.allFaces { kept = Array(kept.prefix(1)) }
        let detected = clock.now
        timings.detection = (detected - started).seconds
        defer { timings.landmarks = (clock.now - detected).seconds }

        return try kept.map { candidate, detectorBox in
            let points: [SIMD2<Double>]
            if let rotation = candidate.rotation {
                let turned = rotatedImages[rotation.degrees]!
                points = try predictor.predict(in: turned, box: candidate.raw).map { p in
                    let (x, y) = rotation.toSource(p.x + 0.5, p.y + 0.5)
                    return SIMD2(x * scale, y * scale)
                }
            } else {
                let box = candidate.raw
                let full = fd_detection(
                    left: (box.left + 0.5) * scale - 0.5, top: (box.top + 0.5) * scale - 0.5,
                    right: (box.right + 0.5) * scale - 0.5, bottom: (box.bottom + 0.5) * scale - 0.5,
                    confidence: box.confidence, filter: box.filter)
                points = try predictor.predict(in: grey, box: full).map { $0 + 0.5 }
            }
            let landmarks = Landmarks68(points: points)
            return DetectedFace(
                box: detectorBox.union(landmarks.bounds), detectorBox: detectorBox,
                score: candidate.raw.confidence, rotation: candidate.rotation?.degrees ?? 0,
                upsampled: candidate.upsampled, landmarks: landmarks)
        }
    }

    private struct Candidate {
        let raw: fd_detection
        let rotation: ImageRotation?
        let upsampled: Int

        var sortKey: [Double] { [raw.top, raw.left, rotation?.degrees ?? 0] }

        /// The detection's box in photo pixels (corner-based); for a rotated detection the bounds
        /// of its turned-back corners.
        func boxInPhoto(scale: Double) -> FaceBox {
            let r = raw.right + 1
            let b = raw.bottom + 1
            let corners: [(Double, Double)] = [(raw.left, raw.top), (r, raw.top), (raw.left, b), (r, b)]
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
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

import CDlibBridge
import Formats
import Foundation

/// Which face detector finds the boxes the landmarks start from.
public enum FaceDetectorKind: String, Sendable, CaseIterable {
    /// dlib's MMOD CNN (`mmod_human_face_detector.dat`) on the Neural engine: the default.
    case cnn
    /// dlib's frontal HOG detector: no model file needed, misses rolled and borderline faces.
    case hog
}

/// Finds faces and their 68 landmarks in a photo: boxes from the CNN (or HOG) detector, with the
/// retries each is known to need (small faces: one 2× upsampling; rolled heads: the image
/// turned, landmarks mapped back), then dlib's shape predictor started from each box in the
/// framing it was trained on. Deterministic: same photo, same faces.
public struct FaceFinder: Sendable {
    public struct Options: Sendable {
        /// Every face (largest box first) rather than only the largest.
        public var allFaces = false
        public var detector = FaceDetectorKind.cnn
        /// Photos above this many pixels are box-downscaled by an integer factor for HOG detection;
        /// landmarks are still predicted at full resolution for upright faces.
        public var maxDetectionPixels = 12_000_000
        /// The CNN costs about 0.22 s per megapixel, so it looks at photos above this size
        /// downscaled (faces in such photos are large; the smallest it finds is 80 px / factor).
        public var maxCNNPixels = 4_000_000
        /// The 2× upsampling pass runs when the detection image has at most this many pixels:
        /// it finds faces down to ~40 px wide, at 4× the cost.
        public var upsampleUpToPixels = 1_500_000
        /// Rotation tiers tried in turn while no face has been found (HOG; degrees).
        public var rotationTiers: [[Double]] = [[-15, 15], [-30, 30]]
        /// The same for the CNN, which finds faces rolled up to about ±30° itself.
        public var cnnRotationTiers: [[Double]] = [[-40, 40]]
        /// Lowest HOG confidence (dlib's SVM margin) reported as a face. dlib's own default is 0;
        /// on our test photos an embroidered badge scored 0.06–0.08 while real faces scored
        /// 0.4–2.6, so 0.25 drops such false positives and keeps the faces.
        public var minimumScore = 0.25
        /// Lowest CNN score reported as a face (dlib's own threshold, 0).
        public var minimumCNNScore = 0.0
        /// Two detections overlapping more than this (intersection over union) are one face.
        public var sameFaceOverlap = 0.3
        /// Predict rolled faces a second time, turned level by the first prediction's eye line
        /// and framed by the box its points imply (`bench faces`: mean NME 3.08 → 2.13 % with
        /// the CNN); upright faces keep their first prediction (`refined`).
        public var refineLandmarks = true
        /// Frame CNN faces for the predictor by HOG's own box where HOG finds them (`cnnLandmarks`);
        /// off, only the mapped CNN box is used (`bench faces --no-hog-framing` measures that path).
        public var hogFraming = true

        public init(allFaces: Bool = false, detector: FaceDetectorKind = .cnn, minimumScore: Double = 0.25) {
            self.allFaces = allFaces
            self.detector = detector
            self.minimumScore = minimumScore
        }
    }

    /// Side of dlib's frontal detector window, pixels: the smallest face the plain pass finds.
    static let hogWindow = 80.0

    public let detector: HOGFaceDetector
    public let cnn: CNNFaceDetector?
    public let predictor: LandmarkPredictor
    public var options: Options

    public init(
        detector: HOGFaceDetector, cnn: CNNFaceDetector? = nil, predictor: LandmarkPredictor,
        options: Options = Options()
    ) throws {
        guard predictor.partCount == Landmarks68.count else {
            throw ReconstructError(
                .missingData, path: predictor.url.path, "is not a 68-point landmark model",
                reason: "it predicts \(predictor.partCount) points")
        }
        guard options.detector == .hog || cnn != nil else {
            throw ReconstructError(.invalidArgument, "the CNN detector was chosen but not loaded")
        }
        self.detector = detector
        self.cnn = cnn
        self.predictor = predictor
        self.options = options
    }

    /// dlib's detectors and the shape predictor loaded from `landmarkModel` (under a millisecond
    /// from our .fdlm file, 1–2 s from dlib's own); the CNN
    /// from `cnnModel` (default: models/) only when `options.detector` is `.cnn`.
    public init(landmarkModel: URL, cnnModel: URL? = nil, options: Options = Options()) throws {
        let cnn =
            options.detector == .cnn ? try CNNFaceDetector(contentsOf: cnnModel ?? CNNFaceDetector.defaultURL()) : nil
        try self.init(
            detector: HOGFaceDetector(), cnn: cnn, predictor: LandmarkPredictor(contentsOf: landmarkModel),
            options: options)
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
        try search(in: photo, timings: &timings).faces
    }

    /// The faces in `photo` (the largest only unless `options.allFaces`) and the boxes of the
    /// faces found but not chosen. Throws `.noFace` naming the photo when none is found.
    public func search(in photo: Photo, timings: inout Timings) throws -> FaceSearch {
        let clock = ContinuousClock()
        let started = clock.now
        let grey = photo.greyscale()
        let passes = try options.detector == .cnn ? cnnCandidates(photo, grey: grey) : hogCandidates(grey)
        // The search's retries share the CNN's activations; the rest of the photo does not need them.
        cnn?.releaseBuffers()
        guard !passes.candidates.isEmpty else {
            throw ReconstructError(
                .noFace, path: photo.url.path, "no face found",
                reason: options.detector == .cnn
                    ? "dlib's CNN detector found none upright, upsampled or turned ±40°"
                    : "dlib's frontal detector found none upright, upsampled or turned ±30°")
        }

        // One face per place: strongest detection wins among overlapping ones.
        let ranked = passes.candidates.sorted { (a: Candidate, b: Candidate) -> Bool in
            if a.confidence != b.confidence { return a.confidence > b.confidence }
            return a.sortKey.lexicographicallyPrecedes(b.sortKey)
        }
        var kept: [(Candidate, FaceBox)] = []
        for c in ranked {
            let box = c.boxInPhoto()
            let limit = options.sameFaceOverlap
            if kept.allSatisfy({ (_, other: FaceBox) in other.overlap(with: box) <= limit }) { kept.append((c, box)) }
        }
        kept.sort { a, b in
            let (p, q) = (a.1, b.1)
            if p.area != q.area { return p.area > q.area }
            return p.y != q.y ? p.y < q.y : p.x < q.x
        }
        let others = options.allFaces ? [] : kept.dropFirst().map { OtherFace(box: $0.1, score: $0.0.confidence) }
        if !options.allFaces { kept = Array(kept.prefix(1)) }
        let detected = clock.now
        timings.detection = (detected - started).seconds
        defer { timings.landmarks = (clock.now - detected).seconds }

        let faces = try kept.map { candidate, detectorBox in
            let landmarks = try predict(candidate, grey: grey, passes: passes)
            return DetectedFace(
                box: detectorBox.union(landmarks.bounds), detectorBox: detectorBox, score: candidate.confidence,
                rotation: candidate.rotation?.degrees ?? 0, upsampled: candidate.upsampled, landmarks: landmarks)
        }
        return FaceSearch(faces: faces, others: others)
    }

    /// The 68 points from a candidate's predictor box (and, when refining, once more from the
    /// box those points imply), in photo pixels.
    private func predict(_ candidate: Candidate, grey: Image<UInt8>, passes: DetectionPasses) throws -> Landmarks68 {
        let rotated = passes.rotated
        let first: [SIMD2<Double>]
        if candidate.fromCNN {
            let image = candidate.rotation.map { rotated[$0.degrees]! } ?? passes.upright
            first = try cnnLandmarks(candidate, in: image)
        } else {
            first = try predictPoints(candidate, box: candidate.predictorBox, grey: grey, rotated: rotated)
        }
        return Landmarks68(points: options.refineLandmarks ? try refined(first, grey: grey) : first)
    }

    /// Points predicted from `box` (the candidate's detection-image pixel indices), in photo
    /// pixels: upright faces on the full-resolution photo, turned ones in their turned image.
    func predictPoints(
        _ candidate: Candidate, box: PixelBox, grey: Image<UInt8>, rotated: [Double: Image<UInt8>]
    ) throws -> [SIMD2<Double>] {
        if let rotation = candidate.rotation {
            return try predictor.predict(in: rotated[rotation.degrees]!, box: box.detection).map(candidate.toPhoto)
        }
        return try predictor.predict(in: grey, box: box.scaled(by: candidate.scale).detection).map { $0 + 0.5 }
    }
}

/// A face the detector found but the search did not choose (only the largest face is chosen
/// unless every face is asked for).
public struct OtherFace: Sendable, Equatable, Codable {
    /// The detector's box in photo pixels.
    public let box: FaceBox
    /// The detector's score (same scale as `DetectedFace.score`).
    public let score: Double
}

/// What `FaceFinder.search` found: the chosen faces, largest first, and the others.
public struct FaceSearch: Sendable, Equatable {
    public let faces: [DetectedFace]
    public let others: [OtherFace]

    /// The largest face not chosen when it is at least half the chosen face's box area: the
    /// photo may be of that person instead (a bystander, a portrait within the portrait).
    public var competingFace: OtherFace? {
        guard let chosen = faces.first, let next = others.first else { return nil }
        return next.box.area >= chosen.detectorBox.area / 2 ? next : nil
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

import Foundation

/// `bench faces`' scoring: each reference face (68 points found on the un-augmented photo)
/// carried into an augmented image by the known 2 × 3 matrix, matched to what a finder found
/// there, and its landmark error measured in the carried inter-ocular distance.
public enum FaceBenchmark {
    /// One image of the generated set (benchmarks/faces/generate.py writes manifest.json).
    public struct SetImage: Decodable, Sendable {
        public let file: String
        /// The un-augmented photo it was made from.
        public let source: String
        /// Source pixel → image pixel (corner-based), one per copy of the source in the image.
        let matrix: [[Double]]?
        let matrices: [[[Double]]]?
        public let augmentation: String
        public let width: Int, height: Int

        public var placements: [[[Double]]] { matrices ?? matrix.map { [$0] } ?? [] }

        /// The augmentation's family ("roll", "IOD", "gamma", …): its label's first word.
        public var family: String { String(augmentation.split(separator: " ").first ?? "") }
    }

    public struct Manifest: Decodable, Sendable {
        public let images: [SetImage]
    }

    /// How one reference face fared in one image.
    public struct Outcome: Codable, Sendable, Equatable {
        public let detected: Bool
        /// Mean point error over the carried inter-ocular distance (nil when not detected).
        public let nme: Double?
        /// The carried inter-ocular distance, px.
        public let interocular: Double
    }

    /// `points` carried by a 2 × 3 matrix.
    public static func carry(_ points: Landmarks68, by m: [[Double]]) -> Landmarks68 {
        Landmarks68(
            points: points.points.map {
                SIMD2(m[0][0] * $0.x + m[0][1] * $0.y + m[0][2], m[1][0] * $0.x + m[1][1] * $0.y + m[1][2])
            })
    }

    /// Every reference in every placement, matched greedily (nearest first) to the found faces
    /// whose detector box centre lies within half the reference's landmark extent of its
    /// landmarks' centre; each found face matches at most once.
    public static func score(found: [DetectedFace], references: [Landmarks68], placements: [[[Double]]]) -> [Outcome] {
        let carried = placements.flatMap { m in references.map { carry($0, by: m) } }
        var pairs: [(distance: Double, reference: Int, face: Int)] = []
        for (r, reference) in carried.enumerated() {
            let b = reference.bounds
            let centre = SIMD2(b.x + b.width / 2, b.y + b.height / 2)
            let reach = max(b.width, b.height) / 2
            for (f, face) in found.enumerated() {
                let d = face.detectorBox
                let offset = SIMD2(d.x + d.width / 2, d.y + d.height / 2) - centre
                let distance = (offset * offset).sum().squareRoot()
                if distance <= reach { pairs.append((distance, r, f)) }
            }
        }
        pairs.sort { ($0.distance, $0.reference, $0.face) < ($1.distance, $1.reference, $1.face) }
        var matched: [Int: Int] = [:]
        var used = Set<Int>()
        for pair in pairs where matched[pair.reference] == nil && !used.contains(pair.face) {
            matched[pair.reference] = pair.face
            used.insert(pair.face)
        }
        return carried.enumerated().map { r, reference in
            let iod = reference.interocularDistance
            guard let f = matched[r] else { return Outcome(detected: false, nme: nil, interocular: iod) }
            let points = found[f].landmarks.points
            let error = zip(points, reference.points).map { (($0 - $1) * ($0 - $1)).sum().squareRoot() }
            return Outcome(detected: true, nme: error.reduce(0, +) / Double(error.count) / iod, interocular: iod)
        }
    }
}

extension FaceBenchmark {
    /// A face both detectors found on one image: the CNN's box, the HOG box, and the 68 points
    /// the predictor gives from the HOG box (all in the image's pixel indices).
    public struct FramingSample: Sendable {
        let cnn: PixelBox
        let hog: PixelBox
        let points: [SIMD2<Double>]
    }

    /// The framing samples of an upright image: CNN and HOG boxes whose centres lie within a
    /// quarter of the CNN box of each other.
    public static func framingSamples(_ photo: Photo, cnn: CNNFaceDetector, finder: FaceFinder) throws
        -> [FramingSample]
    {
        let grey = photo.greyscale()
        let hog = try finder.detector.detect(grey, upsample: 0, threshold: finder.options.minimumScore)
        return try cnn.detect(photo.rgb).compactMap { c in
            let a = PixelBox(left: Double(c.left), top: Double(c.top), right: Double(c.right), bottom: Double(c.bottom))
            let near = hog.map { PixelBox(left: $0.left, top: $0.top, right: $0.right, bottom: $0.bottom) }
                .filter { h in
                    let d = h.centre - a.centre
                    return (d * d).sum().squareRoot() < a.width / 4
                }
            guard let h = near.first else { return nil }
            return FramingSample(cnn: a, hog: h, points: try finder.predictor.predict(in: grey, box: h.detection))
        }
    }

    /// The framing constants fitted to samples (medians, robust to the detectors' size steps):
    /// CNN → HOG centre offset in CNN sides and side ratio; points → HOG centre offset in jaw
    /// spans and side over span.
    public static func fitFraming(_ samples: [FramingSample]) -> (
        cnnOffset: SIMD2<Double>, cnnScale: Double, pointsOffset: SIMD2<Double>, pointsScale: Double
    ) {
        func median(_ v: [Double]) -> Double {
            let s = v.sorted()
            return s.isEmpty ? .nan : (s[(s.count - 1) / 2] + s[s.count / 2]) / 2
        }
        var cx: [Double] = []
        var cy: [Double] = []
        var cs: [Double] = []
        var px: [Double] = []
        var py: [Double] = []
        var ps: [Double] = []
        for s in samples {
            cx.append((s.hog.centre.x - s.cnn.centre.x) / s.cnn.width)
            cy.append((s.hog.centre.y - s.cnn.centre.y) / s.cnn.height)
            cs.append(s.hog.width / s.cnn.width)
            let mean = s.points.reduce(SIMD2<Double>.zero, +) / Double(s.points.count)
            let d = s.points[16] - s.points[0]
            let span = (d * d).sum().squareRoot()
            px.append((s.hog.centre.x - mean.x) / span)
            py.append((s.hog.centre.y - mean.y) / span)
            ps.append(s.hog.width / span)
        }
        return (SIMD2(median(cx), median(cy)), median(cs), SIMD2(median(px), median(py)), median(ps))
    }
}

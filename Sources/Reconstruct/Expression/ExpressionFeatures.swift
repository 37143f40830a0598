import Foundation

/// What the expression prior compares between a photo and a dictionary entry (Chen et al. 2019,
/// §3.1: emotion features and landmark features):
/// - `emotion`: EmotionNet's 7 logits. The logits, not the penultimate layer's 128 channels: they
///   are what the network was trained to make independent of who and how lit, and the dictionary's
///   flat-shaded renders differ from photos in exactly those; the 128 channels carry them.
/// - `geometry`: the 52 expression-bearing landmarks (brows, eyes, nose, mouth: 17–67, and the chin
///   8) aligned by a 2D similarity to a reference layout and taken as offsets from it, in units of
///   the reference's inter-ocular distance. The jaw contour is left out: on a photo it is the
///   outline, on a render the vertices, which differ with pose.
public struct ExpressionFeatures: Sendable, Equatable {
    public static let landmarkIndices = [8] + Array(17...67)
    public let emotion: [Float]
    public let geometry: [Float]

    public init(emotion: [Float], geometry: [Float]) {
        self.emotion = emotion
        self.geometry = geometry
    }

    /// Features of a face with `landmarks` and EmotionNet `scores`, against `reference` (the
    /// dictionary's, `LandmarkLayout.reference`).
    public init(landmarks: Landmarks68, scores: EmotionScores, reference: [SIMD2<Double>]) {
        emotion = scores.logits.map(Float.init)
        geometry = Self.geometry(landmarks, reference: reference)
    }

    /// The aligned offsets (x, y per landmark of `landmarkIndices`).
    static func geometry(_ landmarks: Landmarks68, reference: [SIMD2<Double>]) -> [Float] {
        let points = landmarkIndices.map { landmarks[$0] }
        let centre = points.reduce(SIMD2<Double>.zero, +) / Double(points.count)
        let p = points.map { $0 - centre }
        // Least-squares similarity p → (a x − b y, b x + a y) onto the (centred) reference.
        var (a, b, norm) = (0.0, 0.0, 0.0)
        for (q, r) in zip(p, reference) {
            a += q.x * r.x + q.y * r.y
            b += q.x * r.y - q.y * r.x
            norm += q.x * q.x + q.y * q.y
        }
        a /= max(norm, 1e-12)
        b /= max(norm, 1e-12)
        var out: [Float] = []
        out.reserveCapacity(2 * p.count)
        for (q, r) in zip(p, reference) {
            let x: Double = a * q.x - b * q.y - r.x
            let y: Double = b * q.x + a * q.y - r.y
            out += [Float(x), Float(y)]
        }
        return out
    }

    /// The reference layout: `landmarks` centred and scaled to an inter-ocular distance of 1.
    public static func reference(_ landmarks: Landmarks68) -> [SIMD2<Double>] {
        let points = landmarkIndices.map { landmarks[$0] }
        let centre = points.reduce(SIMD2<Double>.zero, +) / Double(points.count)
        let s = 1 / max(landmarks.interocularDistance, 1e-12)
        return points.map { ($0 - centre) * s }
    }
}

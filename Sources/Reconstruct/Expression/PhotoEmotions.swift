import Foundation

/// What `facedetail emotion` reports for one photo: per face (largest first), its crop and
/// EmotionNet's class probabilities, rounded to 1e-4 so that the JSON is stable.
public struct PhotoEmotions: Encodable, Sendable {
    public struct Face: Encodable, Sendable {
        /// The square the network saw (`EmotionCrop`), photo pixels.
        public let crop: FaceBox
        /// The most probable class, and each class's probability.
        public let emotion: String
        public let probabilities: [String: Double]
        /// The softmax's input per class, in `EmotionClassifier.labels` order.
        public let logits: [Double]
    }

    public let image: String
    public let faces: [Face]

    /// Finds the faces of `photo` (the largest only unless the finder reports all) and classifies
    /// them in one batch. Throws `.noFace` when there is none.
    public static func read(_ photo: Photo, finder: FaceFinder, classifier: EmotionClassifier) throws -> PhotoEmotions {
        var timings = FaceFinder.Timings()
        let faces = try finder.search(in: photo, timings: &timings).faces
        let crops = faces.map { EmotionCrop(photo: photo.rgb, landmarks: $0.landmarks) }
        let scores = try classifier.classify(crops)
        func round4(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
        return PhotoEmotions(
            image: photo.url.path,
            faces: zip(crops, scores).map { crop, score in
                Face(
                    crop: FaceBox(
                        x: round4(crop.box.x), y: round4(crop.box.y), width: round4(crop.box.side),
                        height: round4(crop.box.side)),
                    emotion: score.top, probabilities: score.byLabel.mapValues(round4), logits: score.logits.map(round4)
                )
            })
    }

    /// One line per face: "PATH face K: happy 0.87 (neutral 0.08, surprise 0.02)".
    public var summary: String {
        faces.enumerated().map { k, face in
            let ranked = face.probabilities.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            let rest = ranked.dropFirst().prefix(2).map { "\($0.key) \(String(format: "%.2f", $0.value))" }
            return
                "\(image) face \(k): \(face.emotion) \(String(format: "%.2f", ranked[0].value)) (\(rest.joined(separator: ", ")))"
        }.joined(separator: "\n")
    }
}

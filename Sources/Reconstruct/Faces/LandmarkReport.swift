import Foundation

/// What `landmarks` reports for one photo, as JSON (the shape documented in docs/landmarks.md):
/// each face's boxes, score and 68 points in pixels of the photo as stored, rounded to millipixels.
public struct PhotoLandmarks: Encodable, Sendable {
    public struct Face: Encodable, Sendable {
        public let box: FaceBox
        public let detectorBox: FaceBox
        public let score: Double
        public let rotation: Double
        public let upsampled: Int
        public let points: [[Double]]
        public let interocularDistance: Double

        /// The points as an iBUG .pts file (same coordinates).
        public var ibugPTS: String {
            "version: 1\nn_points: 68\n{\n" + points.map { "\(fixed($0[0])) \(fixed($0[1]))" }.joined(separator: "\n")
                + "\n}\n"
        }
    }

    public let image: String
    public let width: Int
    public let height: Int
    public let faces: [Face]
    /// Faces found but not chosen (only the largest is chosen unless all are asked for).
    public let others: [OtherFace]
    /// The faces as found, unrounded (not encoded).
    public let detected: [DetectedFace]

    enum CodingKeys: String, CodingKey { case image, width, height, faces, others }

    public init(photo: Photo, faces: [DetectedFace], others: [OtherFace] = []) {
        image = photo.url.path
        width = photo.width
        height = photo.height
        detected = faces
        self.others = others.map { OtherFace(box: $0.box.rounded, score: round3($0.score)) }
        self.faces = faces.map { f in
            Face(
                box: f.box.rounded, detectorBox: f.detectorBox.rounded, score: round3(f.score), rotation: f.rotation,
                upsampled: f.upsampled, points: f.landmarks.points.map { [round3($0.x), round3($0.y)] },
                interocularDistance: round3(f.landmarks.interocularDistance))
        }
    }

    /// One line for people: how many faces, where the largest is, its score and inter-ocular distance.
    public var summary: String {
        guard let first = faces.first else { return "\(image): no face" }
        let b = first.box
        return "\(image): \(faces.count) face\(faces.count == 1 ? "" : "s"); largest at (\(fixed(b.x)), \(fixed(b.y))) "
            + "\(fixed(b.width))×\(fixed(b.height)) px, score \(fixed(first.score)), inter-ocular \(fixed(first.interocularDistance)) px"
    }
}

/// landmarks.json of a reconstruction: the detected face as `landmarks` reports it, plus where the
/// fitted model's landmark vertices project (pixels, same convention).
public struct ReconstructionLandmarks: Encodable, Sendable {
    public let image: String
    public let width: Int
    public let height: Int
    public let face: PhotoLandmarks.Face
    public let fitted: [[Double]]

    public init(photo: Photo, face: DetectedFace, fitted: Landmarks68) {
        let detected = PhotoLandmarks(photo: photo, faces: [face])
        image = detected.image
        width = detected.width
        height = detected.height
        self.face = detected.faces[0]
        self.fitted = fitted.points.map { [round3($0.x), round3($0.y)] }
    }
}

/// Millipixel rounding keeps JSON short and stable without losing anything dlib resolves.
private func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
private func fixed(_ v: Double) -> String { String(format: "%.3f", v) }

extension FaceBox {
    fileprivate var rounded: FaceBox {
        FaceBox(x: round3(x), y: round3(y), width: round3(width), height: round3(height))
    }
}

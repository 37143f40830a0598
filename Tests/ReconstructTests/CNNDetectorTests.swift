import Foundation
import Neural
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// One network for the suite (`make setup` fetches the file into models/).
let sharedCNN = Result {
    try CNNFaceDetector(contentsOf: Repository.root.appendingPathComponent("models/mmod_human_face_detector.dat"))
}

func cnnFinder(allFaces: Bool = false) throws -> FaceFinder {
    try FaceFinder(
        detector: HOGFaceDetector(), cnn: sharedCNN.get(), predictor: sharedPredictor.get(),
        options: .init(allFaces: allFaces, detector: .cnn))
}

@Suite struct CNNDetectorTests {
    /// The engine's score map and detections are dlib's own forward pass and `net(img)`: same
    /// map within 1e-3, same count, boxes overlapping by at least 0.95, scores within 1e-3, on
    /// every shared photo upright and rolled by 25°.
    @Test(arguments: ["astronaut.png", "group.jpg"])
    func detectionsEqualDlibsOwnForwardPass(_ name: String) throws {
        let detector = try sharedCNN.get()
        let photo = try Photo.load(
            from: Repository.root.deletingLastPathComponent().appendingPathComponent("shared/photos/\(name)"))
        let rolled = photo.rgb.rotated(by: ImageRotation(degrees: 25, width: photo.width, height: photo.height))
        for (label, image) in [("upright", photo.rgb), ("rolled 25°", rolled)] {
            // The score maps themselves: same size, every value within 1e-3.
            let map = try detector.scores(image)
            let dlibMap = try detector.referenceScores(image)
            #expect(map.shape == dlibMap.shape, "\(name) \(label)")
            let worst = zip(map.values, dlibMap.values).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-3, "\(name) \(label): largest score difference \(worst)")
            let ours = try detector.detect(image)
            let dlib = try detector.reference(image)
            #expect(ours.count == dlib.count, "\(name) \(label): \(ours.count) vs dlib's \(dlib.count)")
            #expect(!dlib.isEmpty || label != "upright", "\(name) \(label): dlib finds no face")
            for (a, b) in zip(ours, dlib) {
                #expect(a.overlap(with: b) >= 0.95, "\(name) \(label): \(a) vs \(b)")
                #expect(abs(a.score - b.score) <= 1e-3, "\(name) \(label): score \(a.score) vs \(b.score)")
            }
        }
    }

    /// The CNN finds the group's faces upright; the default search chooses the largest box and
    /// lists the rest, and every chosen face has its landmarks in anatomical order.
    @Test func theLargestFaceIsChosenAndTheOthersListed() throws {
        let photo = try Photo.load(from: Repository.groupJPEG)
        var timings = FaceFinder.Timings()
        let all = try cnnFinder(allFaces: true).search(in: photo, timings: &timings)
        #expect(all.faces.count >= 6 && all.others.isEmpty)
        #expect(zip(all.faces, all.faces.dropFirst()).allSatisfy { $0.detectorBox.area >= $1.detectorBox.area })
        for face in all.faces { expectAnatomicalOrder(face.landmarks, "group face at \(face.detectorBox)") }
        let one = try cnnFinder().search(in: photo, timings: &timings)
        #expect(one.faces == [all.faces[0]])
        #expect(one.others.count >= 5)
        #expect(one.others.allSatisfy { $0.box.area <= one.faces[0].detectorBox.area })
        // The group's faces are of a size: the largest is not alone, so reconstruct would warn.
        #expect(one.competingFace != nil)

        let portrait = try cnnFinder().search(in: try Photo.load(from: Repository.astronaut), timings: &timings)
        #expect(portrait.faces.count == 1 && portrait.others.isEmpty && portrait.competingFace == nil)
        expectAnatomicalOrder(portrait.faces[0].landmarks, "astronaut (CNN)")
    }

    /// A missing, truncated, empty or foreign file is one `.missingData` error naming it.
    @Test func badNetworkFilesAreNamedErrors() throws {
        let folder = try TemporaryFolder()
        let good = try Data(contentsOf: Repository.root.appendingPathComponent("models/mmod_human_face_detector.dat"))
        try good.prefix(good.count / 2).write(to: folder.file("truncated.dat"))
        try Data().write(to: folder.file("empty.dat"))
        try Data(contentsOf: Repository.astronaut).write(to: folder.file("photo.dat"))
        var damaged = good
        damaged.replaceSubrange(0..<64, with: Data(repeating: 0x5A, count: 64))
        try damaged.write(to: folder.file("damaged.dat"))
        for name in ["missing.dat", "truncated.dat", "empty.dat", "photo.dat", "damaged.dat"] {
            let url = folder.file(name)
            let error = #expect(throws: ReconstructError.self, "\(name)") { try CNNFaceDetector(contentsOf: url) }
            #expect(error?.code == .missingData && "\(error.map { "\($0)" } ?? "")".hasPrefix(url.path), "\(name)")
        }
    }
}

@Suite struct FaceBenchmarkTests {
    /// References carried by a placement's matrix meet the faces found there: an exact copy
    /// scores 0, a copy shifted by a tenth of the eye distance scores 0.1, and a placement with
    /// no face found counts as missed.
    @Test func carriedReferencesAreMatchedAndScored() throws {
        let photo = try Photo.load(from: Repository.astronaut)
        let reference = try #require(try finder().faces(in: photo).first)
        let iod = reference.landmarks.interocularDistance
        let moved: [[Double]] = [[0.5, 0, 300], [0, 0.5, 40]]
        let placements = [[[1.0, 0, 0], [0, 1, 0]], moved, [[1, 0, 2000], [0, 1, 2000]]]
        var shifted = reference
        let carried = FaceBenchmark.carry(reference.landmarks, by: moved)
        shifted.landmarks = Landmarks68(points: carried.points.map { $0 + SIMD2(0.1 * iod * 0.5, 0) })
        let b = carried.bounds
        shifted.detectorBox = FaceBox(x: b.x, y: b.y, width: b.width, height: b.height)
        let outcomes = FaceBenchmark.score(
            found: [shifted, reference], references: [reference.landmarks], placements: placements)
        #expect(outcomes.map(\.detected) == [true, true, false])
        #expect(abs(outcomes[0].nme! - 0) < 1e-12)
        #expect(abs(outcomes[1].nme! - 0.1) < 1e-9 && abs(outcomes[1].interocular - iod / 2) < 1e-9)
    }
}

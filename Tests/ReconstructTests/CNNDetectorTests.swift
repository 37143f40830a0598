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
    /// The engine's detections are dlib's own `net(img)`: same count, boxes overlapping by at
    /// least 0.95, scores within 1e-3, on every shared photo upright and rolled by 25°.
    @Test(arguments: ["astronaut.png", "group.jpg"])
    func detectionsEqualDlibsOwnForwardPass(_ name: String) throws {
        let detector = try sharedCNN.get()
        let photo = try Photo.load(
            from: Repository.root.deletingLastPathComponent().appendingPathComponent("shared/photos/\(name)"))
        let rolled = photo.rgb.rotated(by: ImageRotation(degrees: 25, width: photo.width, height: photo.height))
        for (label, image) in [("upright", photo.rgb), ("rolled 25°", rolled)] {
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
            #expect(throws: ReconstructError.self, "\(name)") { try CNNFaceDetector(contentsOf: url) }
            do {
                _ = try CNNFaceDetector(contentsOf: url)
            } catch let error as ReconstructError {
                #expect(error.code == .missingData && "\(error)".hasPrefix(url.path), "\(error)")
            }
        }
    }
}

import Foundation
import Neural
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// One network for the suite (the file is fetched by `make setup`).
let sharedCNN = Result { try CNNFaceDetector(contentsOf: Repository.root.appendingPathComponent("models/mmod_human_face_detector.dat")) }

@Suite struct CNNDetectorTests {
    @Test func parityProbe() throws {
        let detector = try sharedCNN.get()
        for url in [Repository.astronaut, Repository.groupJPEG] {
            let photo = try Photo.load(from: url)
            let clock = ContinuousClock()
            var ours: [MMODDetection] = []
            let t0 = clock.measure { ours = (try? detector.detect(photo.rgb)) ?? [] }
            var theirs: [MMODDetection] = []
            let t1 = clock.measure { theirs = (try? detector.reference(photo.rgb)) ?? [] }
            print(url.lastPathComponent, photo.width, photo.height, "ours", t0, ours.map { "\($0.left),\($0.top),\($0.right),\($0.bottom) \($0.score)" })
            print(url.lastPathComponent, "dlib", t1, theirs.map { "\($0.left),\($0.top),\($0.right),\($0.bottom) \($0.score)" })
        }
    }
}

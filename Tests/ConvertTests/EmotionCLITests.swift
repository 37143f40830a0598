import Foundation
import TestSupport
import Testing

/// `facedetail emotion`: per face the 7 probabilities, JSON that scripts can read, the batch's
/// exit codes, and a clear error for a damaged emotion model.
@Suite struct EmotionCLITests {
    @Test func everyFaceOfTheGroupIsClassifiedAndTheAstronautIsHappy() throws {
        let result = try CLI.run([
            "emotion", Repository.astronaut.path, Repository.groupJPEG.path, "--all-faces", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let photos = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(photos.count == 2)
        let astronaut = try #require((photos[0]["faces"] as? [[String: Any]])?.first)
        #expect(astronaut["emotion"] as? String == "happy")
        let probabilities = try #require(astronaut["probabilities"] as? [String: Double])
        #expect(Set(probabilities.keys) == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"])
        #expect(abs(probabilities.values.reduce(0, +) - 1) < 1e-3 && probabilities["happy"]! > 0.5)
        let group = try #require(photos[1]["faces"] as? [[String: Any]])
        #expect(group.count >= 6, "faces: \(group.count)")
        // Not one answer for all: the group's faces read differently.
        #expect(Set(group.map { $0["emotion"] as? String ?? "" }).count >= 2)
        // Same input, same bytes.
        let again = try CLI.run([
            "emotion", Repository.astronaut.path, Repository.groupJPEG.path, "--all-faces", "--json",
        ])
        #expect(again.stdout == result.stdout)
    }

    @Test func aFacelessPhotoExitsWithTwoAndADamagedModelWithOne() throws {
        let folder = try TemporaryFolder()
        var pixels: [UInt8] = []
        for y in 0..<200 { for x in 0..<300 { pixels += [UInt8(x % 256), UInt8(y), 128] } }
        try (Data("P6\n300 200\n255\n".utf8) + Data(pixels)).write(to: folder.file("gradient.ppm"))
        let faceless = try CLI.run(["emotion", folder.file("gradient.ppm").path, Repository.astronaut.path])
        #expect(faceless.status == 2)
        #expect(faceless.stdout.hasPrefix("\(Repository.astronaut.path) face 0: happy"), "\(faceless.stdout)")

        let model = folder.file("emotion.hdf5")
        let bytes = try Data(contentsOf: Repository.emotionModel)
        try bytes.prefix(bytes.count / 3).write(to: model)
        let damaged = try CLI.run(["emotion", Repository.astronaut.path, "--emotion-model", model.path])
        #expect(damaged.status == 1 && !damaged.signalled)
        #expect(damaged.stderr.hasPrefix("error: \(model.path): cannot be read as a Keras model"), "\(damaged.stderr)")
        #expect(damaged.stdout.isEmpty)
    }
}

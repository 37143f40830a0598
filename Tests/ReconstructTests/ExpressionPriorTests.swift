import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// The expression prior: EmotionNet on real faces, the dictionary's build, file and lookup, and
/// β_prior through the pipeline, on the astronaut and on rendered faces of known expression.
@Suite struct ExpressionPriorTests {
    static let classifier = Result { try EmotionClassifier(contentsOf: Repository.emotionModel) }

    static func smallBuild(_ count: Int = 48) throws -> ExpressionDictionary {
        var builder = ExpressionDictionaryBuilder()
        builder.count = count
        builder.batch = 16
        builder.seed = 7
        return try builder.build(
            model: try loadModel("full"), classifier: try classifier.get(), predictor: try sharedPredictor.get())
    }

    @Test func theAstronautIsHappy() throws {
        let photo = try Photo.load(from: Repository.astronaut)
        let face = try #require(try finder().faces(in: photo).first)
        let scores = try Self.classifier.get().classify(photo.rgb, landmarks: face.landmarks)
        #expect(scores.top == "happy" && scores.byLabel["happy"]! > 0.5, "\(scores.byLabel)")
        #expect(abs(scores.probabilities.reduce(0, +) - 1) < 1e-5)
    }

    /// Same seed, same bytes; the file reads back as written; each entry's own features find it.
    @Test func buildIsDeterministicAndRoundTrips() throws {
        let a = try Self.smallBuild()
        let b = try Self.smallBuild()
        let bytes = try a.encoded()
        #expect(bytes == (try b.encoded()))
        let folder = try TemporaryFolder()
        let url = folder.file("dictionary.fdxd")
        try a.write(to: url)
        let read = try ExpressionDictionary.load(from: url)
        #expect(read.header == a.header && read.expressions == a.expressions && read.geometry == a.geometry)
        #expect(try read.encoded() == bytes)
        let (ne, ng) = (a.header.emotionFeatures, a.header.geometryFeatures)
        for i in [0, 17, 47] {
            let own = ExpressionFeatures(
                emotion: Array(a.emotion[(i * ne)..<((i + 1) * ne)]),
                geometry: Array(a.geometry[(i * ng)..<((i + 1) * ng)]))
            var one = ExpressionDictionary.Query()
            one.neighbours = 1
            let found = a.nearest(own, query: one)
            #expect(found.first?.index == i && found.first!.distance < 1e-9)
            #expect(a.prior(for: own, query: one).beta == a.expression(i))
        }
        // The entries are not all one expression: the sampler spreads them.
        #expect(Set((0..<a.count).map { a.expression($0) }).count > 40)
    }

    @Test func damagedDictionariesAreRefusedByName() throws {
        let bytes = try Self.smallBuild(16).encoded()
        let folder = try TemporaryFolder()
        var versioned = bytes
        versioned[4] = 9
        for (name, data, code) in [
            ("truncated.fdxd", bytes.prefix(bytes.count - 5), ReconstructErrorCode.damagedModel),
            ("foreign.fdxd", Data("FDXX".utf8) + bytes.dropFirst(4), .damagedModel),
            ("version.fdxd", versioned, .modelVersion),
            // A header length of 2^63 − 2 trapped on `16 + length` (found by CI's 20 s of fuzzing).
            ("overflow.fdxd", bytes.prefix(8) + Data([0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), .damagedModel),
        ] {
            let url = folder.file(name)
            try Data(data).write(to: url)
            let error = try #require(throws: ReconstructError.self) { try ExpressionDictionary.load(from: url) }
            #expect(error.code == code && error.description.hasPrefix(url.path), "\(error)")
        }
        let missing = try #require(throws: ReconstructError.self) {
            try ExpressionDictionary.load(from: folder.file("absent.fdxd"))
        }
        #expect(missing.code == .missingData)
    }

    /// The acceptance case: the astronaut's prior reads happy, and the fit with it ranks the smile
    /// blendshapes among its largest weights; the manifest records what the prior said.
    @Test func theAstronautsFitSmilesAndTheManifestSaysWhy() throws {
        var options = ReconstructionOptions()
        options.uvSize = 512
        options.detail = nil
        options.formats = ["obj"]
        let pipeline = try ReconstructionPipeline(options: options, model: try loadModel("face"), finder: try finder())
        let result = try pipeline.reconstruct(Repository.astronaut)
        let prior = try #require(result.proxyStage.expressionPrior)
        #expect(prior.emotion.top == "happy")
        let names = pipeline.model.expressionNames
        let ranked = result.fit.expression.indices.sorted { result.fit.expression[$0] > result.fit.expression[$1] }
        let top = ranked.prefix(5).map { names[$0] }
        #expect(top.contains("mouthSmile_L") || top.contains("mouthSmile_R"), "largest: \(top)")

        let sink = MemorySink()
        try pipeline.writer.write(result, to: sink)
        let manifest = try JSONSerialization.jsonObject(with: Data(sink.files["manifest.json"]!)) as! [String: Any]
        let record = try #require(manifest["expressionPrior"] as? [String: Any])
        #expect((record["entries"] as? [Int])?.count == ExpressionDictionary.Query().neighbours)
        #expect(((record["emotion"] as? [String: Any])?["top"] as? String) == "happy")
        #expect((record["beta"] as? [String: Double])?.count == names.count)
    }
}

/// The dictionary's renderer against the truth it renders: dlib finds the 68 points of a rendered
/// face where the camera projects the model's landmark vertices, and EmotionNet reads a rendered
/// smile as happier than the same face neutral.
@Suite struct RandomFacePhotosTests {
    static func render(_ photos: RandomFacePhotos, expression: [Double], yaw: Double) -> RandomFacePhotos.Face {
        var random = SeededRandom(seed: 11)
        let identity = (0..<photos.renderer.model.identityCount).map { _ in random.gaussian() * 0.5 }
        return photos.render(
            identity: identity, expression: expression, yaw: yaw, pitch: 5, roll: 0, width: 320, height: 400,
            interocular: 70, random: &random)
    }

    @Test(arguments: [-20.0, 0, 20])
    func dlibFindsThePointsWhereTheCameraPutsThem(yaw: Double) throws {
        let model = try loadModel("full")
        let photos = RandomFacePhotos(model: model, albedoCount: 2, seed: 3)
        let face = Self.render(photos, expression: [Double](repeating: 0, count: model.expressionNames.count), yaw: yaw)
        let photo = Photo(url: URL(fileURLWithPath: "render.png"), rgb: face.image)
        let found = try #require(try finder().faces(in: photo).first)
        // Brows, eyes, nose and mouth (the contour is the outline on a photo, the vertices here).
        let inner = Array(17...67)
        let errors = inner.map { i -> Double in
            let d = found.landmarks[i] - face.landmarks[i]
            return (d * d).sum().squareRoot() / face.landmarks.interocularDistance
        }
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(mean < 0.08, "mean landmark distance \(mean) of the inter-ocular distance at yaw \(yaw)")
        // The path the dictionary uses (dlib framed by the projected points, no detector) lands
        // nearly as close: 0.057–0.086 of the IOD on these three poses, against 0.052–0.070
        // through the detector, and dlib's own error on annotated photos is 0.036–0.067.
        let detected = try face.detected(by: try sharedPredictor.get())
        let again = inner.map { i -> Double in
            let d = detected.landmarks[i] - face.landmarks[i]
            return (d * d).sum().squareRoot() / face.landmarks.interocularDistance
        }
        let framed = again.reduce(0, +) / Double(again.count)
        print("render yaw \(yaw): dlib's points from detection \(mean), framed by the true points \(framed) IOD")
        #expect(framed < 0.09)
    }

    @Test func aRenderedSmileReadsHappierThanTheNeutralFace() throws {
        let model = try loadModel("full")
        let photos = RandomFacePhotos(model: model, albedoCount: 2, seed: 3)
        let names = model.expressionNames
        var smile = [Double](repeating: 0, count: names.count)
        for name in ["mouthSmile_L", "mouthSmile_R"] { smile[names.firstIndex(of: name)!] = 1 }
        for name in ["cheekSquint_L", "cheekSquint_R"] { smile[names.firstIndex(of: name)!] = 0.5 }
        let classifier = try ExpressionPriorTests.classifier.get()
        let scores = try [smile, [Double](repeating: 0, count: names.count)].map { beta in
            let face = Self.render(photos, expression: beta, yaw: 0)
            return try classifier.classify(face.image, landmarks: face.landmarks)
        }
        let happy = scores.map { $0.byLabel["happy"]! }
        #expect(happy[0] > happy[1] + 0.1, "happy: smiling \(happy[0]), neutral \(happy[1])")
    }
}

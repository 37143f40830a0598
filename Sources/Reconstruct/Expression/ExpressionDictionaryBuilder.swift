import Formats
import Foundation

/// Builds the expression dictionary: `count` faces, each with one of `identities` random
/// identities (α ~ N(0, 1), drawn once: each is posed about count / identities times), an
/// expression from `ExpressionSampler`, a pose within ±`yawRange`/±`pitchRange`/±`rollRange`
/// degrees, a light and an albedo (`RandomFacePhotos`), rendered at `renderSize`² and read by
/// EmotionNet through the same `EmotionCrop` as a photo. Entry i depends only on (seed, i), and
/// entries are classified in fixed batches, so the build is deterministic on both cores.
public struct ExpressionDictionaryBuilder: Sendable {
    public var count = 20_000
    public var seed: UInt64 = 1
    public var identities = 256
    /// Render side (pixels) and the faces' inter-ocular distance in it.
    public var renderSize = 176
    public var interocular = 42.0
    public var yawRange = 25.0, pitchRange = 15.0, rollRange = 10.0
    /// Entries per EmotionNet batch (and per unit of work).
    public var batch = 32

    public init() {}

    /// `model` is the rendering model (ICT's full one; its blendshapes are the dictionary's);
    /// `progress(done, count)` is called after each batch.
    /// `predictor`, when given, places each render's 68 points as on a photo (dlib's shape predictor
    /// framed by the box the true points imply, `PredictorFraming`), so the dictionary's landmark
    /// features carry dlib's own habits as a photo's do; without it, the projected landmark vertices.
    public func build(
        model: MorphableModel, classifier: EmotionClassifier, predictor: LandmarkPredictor? = nil,
        progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) throws -> ExpressionDictionary {
        let photos = RandomFacePhotos(model: model, seed: seed)
        let sampler = ExpressionSampler(names: model.expressionNames)
        let reference = Self.reference(model)
        let pool = identityPool(model)
        let e = model.expressionNames.count
        let g = 2 * ExpressionFeatures.landmarkIndices.count
        let k = EmotionClassifier.labels.count
        let batches = (count + batch - 1) / batch
        let results = Slots<Result<(expressions: [Float], emotion: [Float], geometry: [Float]), any Error>>(batches)
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for b in stride(from: lane, to: batches, by: 2) {
                do {
                    let faces = try ((b * batch)..<min((b + 1) * batch, count)).map {
                        let face = face(index: $0, model: model, photos: photos, sampler: sampler, pool: pool)
                        return try predictor.map { try face.detected(by: $0) } ?? face
                    }
                    let scores = try classifier.classify(
                        faces.map { EmotionCrop(photo: $0.image, landmarks: $0.landmarks) })
                    var part: (expressions: [Float], emotion: [Float], geometry: [Float]) = ([], [], [])
                    for (face, score) in zip(faces, scores) {
                        part.expressions += face.expression.map(Float.init)
                        let features = ExpressionFeatures(
                            landmarks: face.landmarks, scores: score, reference: reference)
                        part.emotion += features.emotion
                        part.geometry += features.geometry
                    }
                    results.put(b, .success(part))
                    progress(done.add(faces.count), count)
                } catch {
                    results.put(b, .failure(error))
                    return
                }
            }
        }
        var expressions: [Float] = []
        var emotion: [Float] = []
        var geometry: [Float] = []
        expressions.reserveCapacity(count * e)
        for b in 0..<batches {
            guard let slot = results.value(b) else { continue }  // a lane stopped after a failure
            let part = try slot.get()
            expressions += part.expressions
            emotion += part.emotion
            geometry += part.geometry
        }
        let header = ExpressionDictionary.Header(
            count: count, seed: seed, expressionNames: model.expressionNames, emotionFeatures: k, geometryFeatures: g,
            model: "\(model.info.source), region \(model.info.region)",
            emotionModelSHA256: (try? SHA256.hex(FileContents.read(classifier.url))) ?? "",
            reference: reference.flatMap { [$0.x, $0.y] })
        return try ExpressionDictionary(header: header, expressions: expressions, emotion: emotion, geometry: geometry)
    }

    /// The images of the first `count` entries, as the build renders them (for inspection).
    public func sampleRenders(model: MorphableModel, count: Int) -> [Image<UInt8>] {
        let photos = RandomFacePhotos(model: model, seed: seed)
        let sampler = ExpressionSampler(names: model.expressionNames)
        let pool = identityPool(model)
        return (0..<count).map { face(index: $0, model: model, photos: photos, sampler: sampler, pool: pool).image }
    }

    /// The identities' coefficients and neutral faces, drawn from the seed.
    func identityPool(_ model: MorphableModel) -> [(alpha: [Double], base: [Float])] {
        var random = SeededRandom(seed: seed &* 0xD1B5_4A32_D192_ED03)
        return (0..<max(identities, 1)).map { _ in
            let alpha = (0..<model.identityCount).map { _ in random.gaussian() }
            return (alpha, model.identityShape(alpha.map(Float.init)))
        }
    }

    /// Entry `i`'s face: everything about it drawn from (seed, i).
    func face(
        index i: Int, model: MorphableModel, photos: RandomFacePhotos, sampler: ExpressionSampler,
        pool: [(alpha: [Double], base: [Float])]
    ) -> RandomFacePhotos.Face {
        var random = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i) &+ 1)
        let identity = pool[min(Int(random.unit() * Double(pool.count)), pool.count - 1)]
        let expression = sampler.sample(&random)
        return photos.render(
            identity: identity.alpha, expression: expression, yaw: yawRange * (2 * random.unit() - 1),
            pitch: pitchRange * (2 * random.unit() - 1), roll: rollRange * (2 * random.unit() - 1),
            width: renderSize, height: renderSize, interocular: interocular, base: identity.base, random: &random)
    }

    /// The mean face's landmarks seen from the front, as `ExpressionFeatures.reference`.
    static func reference(_ model: MorphableModel) -> [SIMD2<Double>] {
        let shape = model.shape()
        let camera = ScaledOrthographicCamera(yaw: 0, pitch: 0, roll: 0, scale: 1, translation: .zero)
        return ExpressionFeatures.reference(
            Landmarks68(points: model.landmarkVertices.map { camera.project(SIMD3<Double>(shape[$0])) }))
    }
}

/// A thread-safe running count.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func add(_ n: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += n
        return value
    }
}

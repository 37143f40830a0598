import Foundation

/// `bench fit --images`: the proxy fit from photos of known faces, with and without the expression
/// prior, in one run. Each face is a `TruthFace` (the render-truth bench's distribution: random
/// identity, one of its labelled expressions in turn, yaw ±30°, pitch ±15°), rendered by
/// `FaceImageRenderer` with ICT's full model under a random light, and given to the pipeline's
/// own stages: detection, landmarks, prior, fit. The dictionary never sees these faces (its seeds
/// and its expression distribution are its own). Scores per face and variant: mean |β − β_true|
/// over the blendshapes, and the face region's mean per-vertex error after a similarity alignment
/// (mm), beside the mean face's.
public struct ImageFitBenchmark: Sendable {
    /// One way to fit: its name, and the proxy stage that fits that way.
    public struct Variant: Sendable {
        public let name: String
        public let stage: ProxyReconstructor
        public init(name: String, stage: ProxyReconstructor) {
            self.name = name
            self.stage = stage
        }
    }

    public struct Score: Codable, Sendable {
        public let variant: String
        /// Mean |β_fit − β_true| over the blendshapes; nil when the face was not found.
        public let expressionError: Double?
        /// Aligned mean per-vertex error over the face region, mm.
        public let alignedShapeError: Double?
        public let fittedExpression: [Double]?
        /// The prior's own β (nil without one) and its error.
        public let priorExpression: [Double]?
        public let emotion: String?
    }

    public struct Case: Codable, Sendable {
        public let seed: UInt64
        public let label: TruthFace.Expression
        public let yaw: Double, pitch: Double
        public let trueExpression: [Double]
        /// The mean face's aligned error, mm (the baseline).
        public let meanFaceError: Double
        public let scores: [Score]
    }

    public let photos: RandomFacePhotos
    /// The fitted model (its face region is scored).
    public let model: MorphableModel
    public var width = 480, height = 600
    /// Inter-ocular distance of the rendered faces, pixels.
    public var interocular = 80.0

    public init(photos: RandomFacePhotos, fitted model: MorphableModel) {
        self.photos = photos
        self.model = model
    }

    /// Faces `seed`, `seed` + 1, …; `progress(done, count)` after each.
    public func run(count: Int, seed: UInt64, variants: [Variant], progress: (Int, Int) -> Void = { _, _ in }) -> [Case]
    {
        let rendering = photos.renderer.model
        let faceVertices = model.info.regions.first?.vertexCount ?? model.vertexCount
        let mean = model.shape().prefix(faceVertices).map { SIMD3<Double>($0) }
        let labels = TruthFace.Expression.allCases
        return (0..<count).map { k in
            let s = seed &+ UInt64(k)
            let truth = TruthFace(
                seed: s, label: labels[k % labels.count], expressionNames: rendering.expressionNames,
                identityCount: rendering.identityCount)
            var random = SeededRandom(seed: s &* 0x2545_F491_4F6C_DD1D)
            let face = photos.render(
                identity: truth.identity, expression: truth.expression, yaw: truth.yaw, pitch: truth.pitch, roll: 0,
                width: width, height: height, interocular: interocular, random: &random)
            let trueShape = rendering.shape(
                identity: truth.identity.map(Float.init), expression: truth.expression.map(Float.init)
            ).prefix(faceVertices).map { SIMD3<Double>($0) }
            let photo = Photo(url: URL(fileURLWithPath: "bench-fit-\(s).png"), rgb: face.image)
            let lens = LensPolicy(
                camera: .perspective,
                focalLength: CameraIntrinsics.equivalentFocalMillimetres(
                    focalPixels: face.camera.focalPixels ?? 1000, width: width, height: height))
            let scores = variants.map { variant -> Score in
                var stage = variant.stage
                stage.options.lens = lens
                guard let result = try? stage.reconstruct(photo) else {
                    return Score(
                        variant: variant.name, expressionError: nil, alignedShapeError: nil, fittedExpression: nil,
                        priorExpression: nil, emotion: nil)
                }
                let fitted = result.shape.prefix(faceVertices).map { SIMD3<Double>($0) }
                return Score(
                    variant: variant.name,
                    expressionError: Self.meanAbsolute(result.fit.expression, truth.expression),
                    alignedShapeError: Self.alignedError(fitted, trueShape), fittedExpression: result.fit.expression,
                    priorExpression: result.expressionPrior?.beta, emotion: result.expressionPrior?.emotion.top)
            }
            progress(k + 1, count)
            return Case(
                seed: s, label: truth.label, yaw: truth.yaw, pitch: truth.pitch, trueExpression: truth.expression,
                meanFaceError: Self.alignedError(Array(mean), trueShape), scores: scores)
        }
    }

    /// Mean |a − b| over the blendshapes.
    public static func meanAbsolute(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.reduce(0, +) / Double(max(a.count, 1))
    }

    /// Mean distance (mm) after the least-squares similarity alignment of `shape` to `truth`.
    static func alignedError(_ shape: [SIMD3<Double>], _ truth: [SIMD3<Double>]) -> Double {
        let t = SimilarityTransform(aligning: shape, to: truth)
        return shape.indices.map {
            let d = t.apply(shape[$0]) - truth[$0]
            return (d * d).sum().squareRoot()
        }.reduce(0, +) / Double(max(shape.count, 1))
    }
}

import Foundation

/// The proxy fit (DESIGN.md §1): camera ⇄ identity α ⇄ expression β, alternating for a fixed
/// number of iterations, with the jaw-contour correspondences re-chosen from the current pose each
/// time. Create once per model (it gathers the rows it needs) and reuse for every face.
public struct ProxyFitter: Sendable {
    public struct Options: Sendable {
        /// Alternation rounds, each re-choosing the jaw-contour correspondences; the residual
        /// settles within 4 (see `FittedFace.residuals`), later at large yaw.
        public var iterations = 5
        /// camera ⇄ α ⇄ β steps per round with the correspondences held. Camera and identity trade
        /// off slowly (a wider face looks like a nearer camera), so more steps help a little:
        /// 2 instead of 1 gives 8 % instead of 6 % below the mean face in `bench fit` (23 % vs 21 %
        /// aligned) for about 1 ms more per step and round (docs/benchmarks.md).
        public var refinements = 1
        /// Landmark noise σ as a fraction of the inter-ocular distance. dlib's 68-point error
        /// measures 3.6–6.7 % of IOD on annotated photos (PLATFORM.md); 4 % trusts it slightly more
        /// than its average, since the error includes the annotators' own.
        public var landmarkNoise = 0.04
        /// Strength μ of the expression prior (per unit weight, relative to one σ-sized residual).
        /// With the L1 pull below doing the shrinking, μ = 1 keeps a mild quadratic prior: on the
        /// render-truth set (`bench truth`, 24 faces) μ = 10 alone recovered the dominant
        /// blendshape among the top 3 on 12 % of faces (β correlation 0.13); μ = 1 with sparsity 6,
        /// symmetry 5 and the held shapes on 38 % (0.26), and the aligned shape error fell from 9 %
        /// to 13 % below the mean face, better on every pose bucket (docs/benchmarks.md).
        public var expressionPriorWeight = 1.0
        /// When given, β is held fixed at this prior instead of being fitted.
        public var fixedExpression: [Double]? = nil
        /// Blendshapes held at the prior: eye gaze moves the eyeballs, which no landmark marks (the
        /// lids it also moves are what blink, squint and wide explain), and ICT's mouthClose only
        /// means something together with jawOpen.
        public var heldExpressions = [
            "eyeLookDown_L", "eyeLookDown_R", "eyeLookIn_L", "eyeLookIn_R", "eyeLookOut_L", "eyeLookOut_R",
            "eyeLookUp_L", "eyeLookUp_R", "mouthClose",
        ]
        /// L1 weight pulling β toward zero, per unit weight as μ: the landmarks' evidence goes to
        /// few blendshapes instead of spreading over many small ones (6 measured best of 2–12 on
        /// the render-truth set; 12 kept the shape but ranked the dominant shape lower).
        public var expressionSparsity = 6.0
        /// Weight tying each `_L` blendshape to its `_R` twin, per unit difference as μ: faces are
        /// mostly symmetric, and one side's landmarks then inform the other's.
        public var expressionSymmetry = 5.0
        public init() {}
    }

    let model: MorphableModel
    let fixed: ModelRows
    let contour: ContourCorrespondence
    public var options: Options

    /// Landmarks whose vertices never change: 8 (chin) and 17–67.
    static let fixedLandmarks = [8] + Array(17...67)

    public init(model: MorphableModel, options: Options = Options()) {
        self.model = model
        self.options = options
        fixed = ModelRows(model: model, vertices: Self.fixedLandmarks.map { model.landmarkVertices[$0] })
        let normals = model.mesh().normals
        contour = ContourCorrespondence(model: model, meanNormals: normals)
    }

    /// Fits the model to 68 landmarks (photo pixels). With `intrinsics` the camera is a pinhole of
    /// that focal length (`PerspectiveCamera`); without, weak perspective (κ = 0). Throws when the
    /// landmarks cannot determine a camera.
    public func fit(_ landmarks: Landmarks68, prior: [Double]? = nil, intrinsics: CameraIntrinsics? = nil) throws
        -> FittedFace
    {
        let k = model.identityCount
        let e = model.expressionNames.count
        var alpha = [Double](repeating: 0, count: k)
        let prior = prior ?? [Double](repeating: 0, count: e)
        var beta = options.fixedExpression ?? prior
        let shaping = ExpressionShaping(
            names: model.expressionNames, held: options.heldExpressions,
            sparsity: options.expressionSparsity, symmetry: options.expressionSymmetry)
        let sigma = options.landmarkNoise * landmarks.interocularDistance
        var contourRows = contour.initial(model: model)
        let order = ContourCorrespondence.rightLandmarks + ContourCorrespondence.leftLandmarks + Self.fixedLandmarks
        let pixels = order.map { landmarks[$0] }
        var camera: PerspectiveCamera? = nil
        var residuals: [Double] = []
        /// Orthographic: the Gold Standard affine camera's nearest scaled orthographic one. Pinhole:
        /// that pose as the start (first round) or the previous round's camera, refined by
        /// Levenberg–Marquardt at the photo's focal length.
        func estimateCamera(_ rows: ModelRows) throws -> PerspectiveCamera {
            let points = rows.positions(identity: alpha, expression: beta)
            if intrinsics != nil, let previous = camera, previous.inverseDistance > 0 {
                return previous.refined(points: points, pixels: pixels)
            }
            guard let affine = estimateAffineCamera(points: points, pixels: pixels) else {
                throw ReconstructError(
                    .invalidArgument, "the landmarks do not determine a camera", reason: "degenerate landmark layout")
            }
            guard let intrinsics else {
                return PerspectiveCamera(affine.scaledOrthographic(), principalPoint: .zero)
            }
            return PerspectiveCamera(
                affine.scaledOrthographic(), focalPixels: intrinsics.focalPixels,
                principalPoint: intrinsics.principalPoint
            ).refined(points: points, pixels: pixels)
        }
        for _ in 0..<options.iterations {
            var current = ModelRows(merging: contourRows, fixed)
            var pose = try estimateCamera(current)
            camera = pose
            contourRows = contour.choose(landmarks: landmarks, camera: pose, identity: alpha, expression: beta)
            current = ModelRows(merging: contourRows, fixed)
            for refinement in 0..<max(options.refinements, 1) {
                if refinement > 0 {
                    pose = try estimateCamera(current)
                    camera = pose
                }
                alpha = fitShape(
                    rows: current, pixels: pixels, camera: pose, identity: alpha, expression: beta,
                    landmarkNoise: sigma)
                if options.fixedExpression == nil {
                    beta = fitExpression(
                        rows: current, pixels: pixels, camera: pose, identity: alpha, expression: beta,
                        landmarkNoise: sigma, prior: prior, priorWeight: options.expressionPriorWeight,
                        shaping: shaping)
                }
            }
            residuals.append(
                rms(reprojectionResidual(pixels, current.positions(identity: alpha, expression: beta), pose)))
        }
        // The final camera for the final shape.
        let rows = ModelRows(merging: contourRows, fixed)
        let final = try estimateCamera(rows)
        let fitted = rows.positions(identity: alpha, expression: beta).map(final.project)
        var points = [SIMD2<Double>](repeating: .zero, count: 68)
        for (i, l) in order.enumerated() { points[l] = fitted[i] }
        var vertices = [Int](repeating: 0, count: 68)
        for (i, l) in order.enumerated() { vertices[l] = rows.vertices[i] }
        let terms = FitTerms(
            landmarkResidual: reprojectionResidual(pixels, rows.positions(identity: alpha, expression: beta), final),
            landmarkNoise: sigma, identity: alpha, expression: beta, prior: prior, shaping: shaping,
            priorWeight: options.expressionPriorWeight, residuals: residuals)
        return FittedFace(
            camera: final, identity: alpha, expression: beta, landmarks: landmarks,
            fittedLandmarks: Landmarks68(points: points), landmarkVertices: vertices, residuals: residuals,
            terms: terms)
    }
}

/// The result of a proxy fit.
public struct FittedFace: Sendable {
    /// The fitted camera: a pinhole when the fit was given the photo's intrinsics, else weak
    /// perspective (κ = 0).
    public let camera: PerspectiveCamera
    /// Identity coefficients α (unitless, prior N(0, 1)).
    public let identity: [Double]
    /// Expression weights β in [0, 1], in `MorphableModel.expressionNames` order.
    public let expression: [Double]
    /// The detected landmarks the fit used (pixels).
    public let landmarks: Landmarks68
    /// Where the fitted model's landmark vertices project (pixels).
    public let fittedLandmarks: Landmarks68
    /// The model vertex used for each landmark in the final round (contour ones re-chosen).
    public let landmarkVertices: [Int]
    /// RMS landmark residual (pixels per coordinate) after each round: the convergence report.
    public let residuals: [Double]
    /// Each term of the objective at the solution.
    public let terms: FitTerms
    /// The dense fit's report, when the landmark fit was refined against the photo (`DenseFitter`).
    public var dense: DenseFitReport? = nil

    /// Mean 2D distance between detected and fitted landmarks, as a fraction of the inter-ocular distance.
    public var reprojectionError: Double {
        let d = zip(landmarks.points, fittedLandmarks.points).map { a, b in ((a - b) * (a - b)).sum().squareRoot() }
        return d.reduce(0, +) / Double(d.count) / landmarks.interocularDistance
    }
}

func rms(_ values: [Double]) -> Double {
    (values.map { $0 * $0 }.reduce(0, +) / Double(max(values.count, 1))).squareRoot()
}

extension ModelRows {
    /// The rows of `a` followed by those of `b`.
    init(merging a: ModelRows, _ b: ModelRows) {
        let vertices: [Int] = a.vertices + b.vertices
        let mean: [Float] = a.mean + b.mean
        let identity: [Float] = a.identity + b.identity
        let expression: [Float] = a.expression + b.expression
        self.init(
            vertices: vertices, mean: mean, identity: identity, expression: expression,
            identityCount: a.identityCount, expressionCount: a.expressionCount)
    }
}

/// The fit's objective term by term at its solution, each in the units the fit weighs it in
/// (squared residuals over σ², so a term of n means n σ-sized residuals' worth), and whether the
/// alternation settled. manifest.json records it (`fit.terms`).
public struct FitTerms: Codable, Sendable, Equatable {
    /// Σ r² / σ² over the 68 landmarks' x and y, and σ (pixels).
    public let landmarks: Double
    public let landmarkNoisePixels: Double
    /// ‖α‖² (the identity prior, α ~ N(0, I)).
    public let identityPrior: Double
    /// μ ‖β − β₀‖², the sparsity pull Σ βₑ times its weight (each blendshape's own weight in the
    /// dense fit), and the left/right tie.
    public let expressionPrior: Double
    public let expressionSparsity: Double
    public let expressionSymmetry: Double
    /// Rounds run, and the last round's relative change of the RMS landmark residual.
    public let rounds: Int
    public let lastChange: Double
    /// The last change is below 1 %.
    public let converged: Bool

    init(
        landmarkResidual r: [Double], landmarkNoise sigma: Double, identity: [Double], expression beta: [Double],
        prior: [Double], shaping: ExpressionShaping, priorWeight mu: Double, residuals: [Double],
        sparsityWeights: [Double]? = nil
    ) {
        let s2 = max(sigma * sigma, 1e-300)
        landmarks = r.reduce(0) { $0 + $1 * $1 } / s2
        landmarkNoisePixels = sigma
        identityPrior = identity.reduce(0) { $0 + $1 * $1 }
        expressionPrior = mu * zip(beta, prior).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        expressionSparsity =
            sparsityWeights.map { zip($0, beta).reduce(0) { $0 + $1.0 * $1.1 } } ?? shaping.sparsity * beta.reduce(0, +)
        expressionSymmetry = shaping.symmetry * shaping.pairs.reduce(0) { $0 + pow(beta[$1.0] - beta[$1.1], 2) }
        rounds = residuals.count
        let n = residuals.count
        lastChange = n >= 2 ? abs(residuals[n - 1] - residuals[n - 2]) / max(residuals[n - 2], 1e-12) : 0
        converged = n >= 2 && lastChange < 0.01
    }
}

import Formats
import Foundation

/// The dense fit (issue 14): the landmark fit's result refined against the photo itself, in the
/// manner of analysis by synthesis (Blanz & Vetter 1999; Garrido et al. 2013; Thies et al. 2016).
/// Unknowns: the pose (`PerspectiveCamera.stepped(by:)`), identity α and expression β, with grey
/// order-2 SH light and a smooth albedo re-estimated at every step (`PhotometricTerm`). Terms:
///
///     E = Σ_landmarks ρ_H(|π(p) − q|) / σ²  +  λ_photo / (N σ_I²) · Σ_samples ρ_C(f)
///         + ‖α‖² + μ ‖β − β₀‖² + 2 Σ_j s_j β_j + t Σ_pairs (β_L − β_R)²,   0 ≤ β ≤ 1
///
/// with ρ_H Huber on the landmarks and ρ_C Cauchy on the photometric residual (IRLS), β's
/// shaping as in the landmark fit (`ExpressionShaping`, the held shapes stay at the prior) but
/// with the L1 pull s_j of each blendshape scaled by how far it moves the landmarks, and
/// the photometric term normalised by its sample count N and robust scale σ_I so that λ_photo
/// reads as "worth that many σ-sized landmark residuals". Solved by Levenberg–Marquardt over a
/// coarse-to-fine `GreyPyramid`, the normal equations accumulated on both cores.
public struct DenseFitter: Sendable {
    public struct Options: Sendable {
        /// Pyramid levels (coarsest first is level count − 1) and Levenberg–Marquardt steps on each,
        /// coarsest first.
        public var stepsPerLevel = [3, 3, 2]
        /// Weight of the photometric term, in σ-sized landmark residuals. On `bench truth` (seed 1,
        /// 24 faces, with the brow bands and the dense fit's own β shaping) 30, 60, 80 and 100 gave
        /// 19–22 % below the mean face; 60 the most; 150 and up bends the shape toward the shading
        /// (docs/benchmarks.md).
        public var photometricWeight = 60.0
        /// Spacing of the surface samples on the mean face, mm (4,426 on ICT's face region at 4 mm, of which about 3,000 face a frontal camera).
        public var sampleSpacing = 4.0
        /// Radius over which the albedo is taken as constant, mm.
        public var albedoRadius = 15.0
        /// Weight of the occluding-contour term (`OccludingContour`), in σ-sized landmark residuals
        /// shared over its matched points; 0 (the default) leaves it out. Measured at 50 on
        /// `bench truth` it made the shape worse, even with the true landmarks (27 % below the mean
        /// face without it, 8 % with it): the edges it finds beside the cheek on these renders are
        /// not the outline's. It stays for study (`bench truth --contour-weight`).
        public var contourWeight = 0.0
        /// Huber threshold of the landmark term, in σ.
        public var landmarkHuber = 2.0
        /// Move the brow landmarks onto the photo's dark brow band (`BrowBands`) before fitting.
        public var browBands = true
        /// The L1 pull of β toward zero and the left/right tie, per unit weight as in the landmark
        /// fit (`ProxyFitter.Options`), but the dense fit's own: with the brows observed, a lighter
        /// pull lets a brow raise (four blendshapes) win over an identity that lifts the brows.
        /// nil takes the landmark fit's.
        public var expressionSparsity: Double? = 2
        public var expressionSymmetry: Double? = 10
        /// The L1 pull of each blendshape scales as (its landmark motion ÷ the mean)^this: per unit
        /// weight, a brow shape that moves the landmarks 3 mm is pulled less than a jaw opening
        /// that moves them 10. 0.5 measured best of 0, 0.5 and 1 on `bench truth` seed 1 (23.2 %
        /// below the mean face against 22.1 % and 22.5 %, β correlation 0.59 against 0.53, 0.57).
        public var sparsityByMotion = 0.5
        public init() {}
    }

    let model: MorphableModel
    /// What the fit precomputes from the model (about 0.1 s), on its own thread from `init`.
    private let precomputed: Background<Precomputed>
    var photometric: PhotometricTerm { precomputed.value.photometric }
    /// Per blendshape: RMS displacement of the 68 landmark vertices at weight 1 (mm), over its mean.
    var landmarkMotion: [Double] { precomputed.value.landmarkMotion }
    var contour: OccludingContour { precomputed.value.contour }
    /// Sampling and albedo radius are fixed at creation (they shape `photometric`); the rest may change.
    public var options: Options
    /// The landmark fit's shaping of β (held shapes, sparsity, symmetry, μ), taken from its options.
    var fitterOptions: ProxyFitter.Options

    public init(model: MorphableModel, fitter: ProxyFitter.Options = .init(), options: Options = Options()) {
        self.model = model
        self.options = options
        fitterOptions = fitter
        let (spacing, radius) = (options.sampleSpacing, options.albedoRadius)
        precomputed = Background { Precomputed(model: model, spacing: spacing, albedoRadius: radius) }
    }

    private struct Precomputed {
        let photometric: PhotometricTerm
        let landmarkMotion: [Double]
        let contour: OccludingContour

        init(model: MorphableModel, spacing: Double, albedoRadius: Double) {
            photometric = PhotometricTerm(model: model, spacing: spacing, albedoRadius: albedoRadius)
            let rows = ModelRows(model: model, vertices: model.landmarkVertices)
            let e = model.expressionNames.count
            let motion = (0..<e).map { j in
                let squares = (0..<rows.vertices.count * 3).map { Double(rows.expression[$0 * e + j]) }.map { $0 * $0 }
                return (squares.reduce(0, +) / Double(rows.vertices.count)).squareRoot()
            }
            let meanMotion = motion.reduce(0, +) / Double(max(e, 1))
            landmarkMotion = motion.map { max($0, 1e-6) / max(meanMotion, 1e-12) }
            contour = OccludingContour(model: model)
        }
    }

    /// Refines `fit` (from `ProxyFitter.fit`) against `photo` (RGB, the pixels the landmarks were
    /// found in). The landmark correspondences are the landmark fit's final ones.
    public func refine(_ fit: FittedFace, photo: Image<UInt8>, prior: [Double]? = nil) -> FittedFace {
        let k = model.identityCount
        let e = model.expressionNames.count
        let poseCount = PerspectiveCamera.poseParameterCount
        let n = poseCount + k + e
        let prior = prior ?? [Double](repeating: 0, count: e)
        let shaping = ExpressionShaping(
            names: model.expressionNames, held: fitterOptions.heldExpressions,
            sparsity: options.expressionSparsity ?? fitterOptions.expressionSparsity,
            symmetry: options.expressionSymmetry ?? fitterOptions.expressionSymmetry)
        let mu = fitterOptions.expressionPriorWeight
        let pull = landmarkMotion.map { shaping.sparsity * pow($0, options.sparsityByMotion) }
        let sigma = fitterOptions.landmarkNoise * fit.landmarks.interocularDistance
        let rows = ModelRows(model: model, vertices: fit.landmarkVertices)
        let pyramid = GreyPyramid(rgb: photo, count: options.stepsPerLevel.count)
        // The brow points dlib places by its prior move onto the brows the photo shows.
        let brows = options.browBands ? BrowBands().refine(fit.landmarks, camera: fit.camera, pyramid: pyramid) : nil
        let targets = brows?.landmarks.points ?? fit.landmarks.points
        var camera = fit.camera
        var alpha = fit.identity
        var beta = fit.expression
        var lower = [Double?](repeating: nil, count: n)
        var upper = [Double?](repeating: nil, count: n)
        for j in 0..<e {
            lower[poseCount + k + j] = 0
            upper[poseCount + k + j] = 1
        }
        let held = Set(shaping.held.map { poseCount + k + $0 })
        let fixedExpression = fitterOptions.fixedExpression != nil
        let heldAll = fixedExpression ? Set((0..<e).map { poseCount + k + $0 }) : held

        func landmarkCost(_ camera: PerspectiveCamera, _ alpha: [Double], _ beta: [Double]) -> Double {
            let points = rows.positions(identity: alpha, expression: beta)
            return zip(points, targets).reduce(0) { total, pair in
                let r = camera.project(pair.0) - pair.1
                return total + huber((r * r).sum().squareRoot() / sigma)
            }
        }
        func huber(_ x: Double) -> Double {
            let c = options.landmarkHuber
            return x <= c ? x * x : 2 * c * x - c * c
        }
        func priorCost(_ alpha: [Double], _ beta: [Double]) -> Double {
            var total = alpha.reduce(0) { $0 + $1 * $1 }
            for j in 0..<e {
                total += mu * (beta[j] - prior[j]) * (beta[j] - prior[j]) + 2 * pull[j] * beta[j]
            }
            for (l, r) in shaping.pairs { total += shaping.symmetry * (beta[l] - beta[r]) * (beta[l] - beta[r]) }
            return total
        }

        func contourCost(
            _ matches: [OccludingContour.Match], _ weight: Double, _ c: PerspectiveCamera, _ a: [Double], _ b: [Double]
        ) -> Double {
            guard weight > 0 else { return 0 }
            return weight
                * contour.residuals(matches, camera: c, identity: a, expression: b).reduce(0) {
                    $0 + huber(abs($1) / sigma)
                }
        }

        var look: PhotometricTerm.Appearance? = nil
        var report = DenseFitReport()
        if let brows {
            let moved = (Landmarks68.rightBrow.lowerBound...Landmarks68.leftBrow.upperBound).map { k in
                let d = brows.landmarks[k] - fit.landmarks[k]
                return (d * d).sum().squareRoot()
            }
            report.browShift = moved.reduce(0, +) / Double(moved.count) / fit.landmarks.interocularDistance
        }
        report.photometricBefore = finest(camera, alpha, beta, pyramid).rms
        for (index, steps) in options.stepsPerLevel.enumerated() {
            let level = options.stepsPerLevel.count - 1 - index
            guard level < pyramid.levels.count else { continue }
            var lambda = 1e-3
            for _ in 0..<steps {
                let surface = photometric.surface(identity: alpha, expression: beta)
                let shape = model.shape(identity: alpha.map(Float.init), expression: beta.map(Float.init))
                let visible = photometric.visible(
                    surface: surface, shape: shape, camera: camera, level: pyramid.levels[level])
                let observation = photometric.observe(
                    surface, camera: camera, pyramid: pyramid, level: level, visible: visible)
                let appearance = photometric.appearance(observation, previous: look, rounds: look == nil ? 3 : 1)
                look = appearance
                let seen = Double(observation.visible.filter { $0 }.count)
                let scale = options.photometricWeight / max(seen, 1) / (appearance.sigma * appearance.sigma)
                var system = NormalSystem(unknowns: n)
                photometric.accumulate(into: &system, observation, surface, appearance, camera: camera, scale: scale)
                let matches =
                    options.contourWeight > 0
                    ? contour.match(camera: camera, identity: alpha, expression: beta, pyramid: pyramid, level: level)
                    : []
                let contourPointWeight = options.contourWeight / Double(max(matches.count, 1))
                contour.accumulate(
                    into: &system, matches, camera: camera, identity: alpha, expression: beta, sigma: sigma,
                    weight: contourPointWeight, huber: options.landmarkHuber)
                addLandmarks(into: &system, rows: rows, targets: targets, camera: camera, alpha, beta, sigma: sigma)
                addPriors(into: &system, alpha, beta, prior: prior, mu: mu, shaping: shaping, pull: pull)
                system = system.symmetrised()
                let x = [Double](repeating: 0, count: poseCount) + alpha + beta
                let before =
                    photometric.cost(observation, appearance, scale: scale)
                    + landmarkCost(camera, alpha, beta) + priorCost(alpha, beta)
                    + contourCost(matches, contourPointWeight, camera, alpha, beta)
                var accepted = false
                for _ in 0..<5 {
                    var damped = system
                    for i in 0..<n { damped.h[i * n + i] += lambda * max(system.h[i * n + i], 1e-9) }
                    guard let delta = damped.solve(current: x, lower: lower, upper: upper, held: heldAll) else {
                        lambda *= 10
                        continue
                    }
                    let trialCamera = camera.stepped(by: delta[0..<poseCount])
                    let trialAlpha = (0..<k).map { alpha[$0] + delta[poseCount + $0] }
                    let trialBeta = (0..<e).map { beta[$0] + delta[poseCount + k + $0] }
                    let trialSurface = photometric.surface(identity: trialAlpha, expression: trialBeta)
                    let trialObservation = photometric.observe(
                        trialSurface, camera: trialCamera, pyramid: pyramid, level: level, visible: visible)
                    let after =
                        photometric.cost(trialObservation, appearance, scale: scale)
                        + landmarkCost(trialCamera, trialAlpha, trialBeta) + priorCost(trialAlpha, trialBeta)
                        + contourCost(matches, contourPointWeight, trialCamera, trialAlpha, trialBeta)
                    if after < before {
                        (camera, alpha, beta) = (trialCamera, trialAlpha, trialBeta)
                        lambda = max(lambda / 3, 1e-6)
                        accepted = true
                        report.lastChange = (before - after) / max(before, 1e-300)
                        break
                    }
                    lambda *= 8
                }
                report.steps += 1
                report.contourPoints = matches.count
                if !accepted { report.rejected += 1 }
            }
        }
        let final = finest(camera, alpha, beta, pyramid)
        report.photometricAfter = final.rms
        report.samplesSeen = final.seen
        report.light = final.light
        report.converged = report.lastChange < 0.01

        let points = rows.positions(identity: alpha, expression: beta)
        let projected = points.map(camera.project)
        let terms = FitTerms(
            landmarkResidual: reprojectionResidual(targets, points, camera), landmarkNoise: sigma, identity: alpha,
            expression: beta, prior: prior, shaping: shaping, priorWeight: mu, residuals: fit.residuals,
            sparsityWeights: pull)
        return FittedFace(
            camera: camera, identity: alpha, expression: beta, landmarks: fit.landmarks,
            fittedLandmarks: Landmarks68(points: projected), landmarkVertices: fit.landmarkVertices,
            residuals: fit.residuals, terms: terms, dense: report)
    }

    /// The photometric residual at the finest level, light and albedo fitted afresh (so before and
    /// after compare): RMS over the samples seen (linear luminance), their count, the light.
    private func finest(_ camera: PerspectiveCamera, _ alpha: [Double], _ beta: [Double], _ pyramid: GreyPyramid)
        -> (rms: Double, seen: Int, light: [Double])
    {
        let surface = photometric.surface(identity: alpha, expression: beta)
        let shape = model.shape(identity: alpha.map(Float.init), expression: beta.map(Float.init))
        let visible = photometric.visible(surface: surface, shape: shape, camera: camera, level: pyramid.levels[0])
        let o = photometric.observe(surface, camera: camera, pyramid: pyramid, level: 0, visible: visible)
        let look = photometric.appearance(o, previous: nil, rounds: 3)
        let f = photometric.residuals(o, albedo: look.albedo, light: look.light)
        let seen = o.visible.indices.filter { o.visible[$0] }
        let total = seen.reduce(0) { $0 + f[$1] * f[$1] }
        return (seen.isEmpty ? 0 : (total / Double(seen.count)).squareRoot(), seen.count, look.light)
    }

    /// The landmark term's rows: x and y of each landmark, Huber-weighted by its 2D distance.
    private func addLandmarks(
        into system: inout NormalSystem, rows: ModelRows, targets: [SIMD2<Double>], camera: PerspectiveCamera,
        _ alpha: [Double], _ beta: [Double], sigma: Double
    ) {
        let n = system.n
        let poseCount = PerspectiveCamera.poseParameterCount
        let points = rows.positions(identity: alpha, expression: beta)
        var row = [Double](repeating: 0, count: n)
        row.withUnsafeMutableBufferPointer { row in
            let r = row.baseAddress!
            for (i, p) in points.enumerated() {
                let d = camera.projectionDerivatives(at: p)
                let residual = d.pixel - targets[i]
                let distance = (residual * residual).sum().squareRoot() / sigma
                let weight =
                    (distance <= options.landmarkHuber ? 1 : options.landmarkHuber / distance) / (sigma * sigma)
                for (axis, point, pose) in [(0, d.point.x, d.pose.x), (1, d.point.y, d.pose.y)] {
                    for j in 0..<n { r[j] = 0 }
                    for j in 0..<poseCount { r[j] = pose[j] }
                    rows.accumulate(i, point, into: r, offset: poseCount)
                    system.add(UnsafePointer(r), residual: residual[axis], weight: weight)
                }
            }
        }
    }

    /// ‖α‖², μ ‖β − β₀‖², the L1 pull and the left/right tie, as rows of H and g.
    private func addPriors(
        into system: inout NormalSystem, _ alpha: [Double], _ beta: [Double], prior: [Double], mu: Double,
        shaping: ExpressionShaping, pull: [Double]
    ) {
        let n = system.n
        let poseCount = PerspectiveCamera.poseParameterCount
        let k = alpha.count
        for j in 0..<k {
            system.h[(poseCount + j) * n + poseCount + j] += 1
            system.g[poseCount + j] -= alpha[j]
        }
        for j in beta.indices {
            let i = poseCount + k + j
            system.h[i * n + i] += mu
            system.g[i] -= mu * (beta[j] - prior[j]) + pull[j]
        }
        for (l, r) in shaping.pairs {
            let (a, b) = (poseCount + k + l, poseCount + k + r)
            let t = shaping.symmetry
            system.h[a * n + a] += t
            system.h[b * n + b] += t
            // Upper triangle only; `symmetrised` mirrors it.
            system.h[min(a, b) * n + max(a, b)] -= t
            system.g[a] -= t * (beta[l] - beta[r])
            system.g[b] += t * (beta[l] - beta[r])
        }
    }
}

/// What the dense fit did: photometric RMS (linear luminance) before and after, steps taken and
/// rejected, samples seen at the end, the final grey SH light. manifest.json records it.
public struct DenseFitReport: Codable, Sendable, Equatable {
    public var photometricBefore: Double? = nil
    public var photometricAfter: Double? = nil
    public var steps = 0
    public var rejected = 0
    /// Relative decrease of the objective by the last accepted step, and whether it was below 1 %.
    public var lastChange = 0.0
    public var converged = false
    public var samplesSeen = 0
    /// Outline points matched to image edges in the last step.
    public var contourPoints = 0
    /// Mean distance the brow points moved onto the photo's brow band (`BrowBands`), over the
    /// inter-ocular distance; 0 when they stayed.
    public var browShift = 0.0
    public var light: [Double] = []
}

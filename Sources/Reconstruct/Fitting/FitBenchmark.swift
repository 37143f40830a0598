import Foundation

/// A synthetic proxy-fit benchmark with known truth: random ICT identities (α ~ N(0, 1)) and
/// expressions (five random blendshapes at weights up to 0.7) under random poses (yaw ±40°,
/// pitch ±20°, roll ±10°), projected by a scaled orthographic camera that gives a frontal
/// inter-ocular distance of 100 px, with 1 px Gaussian noise per landmark coordinate.
///
/// Landmarks 17–67 and the chin are the projected landmark vertices. The jaw-contour landmarks are
/// what a detector marks, the face's outline: for each, the true shape's outline vertex (normal
/// within 60° of perpendicular to the view) of that side nearest to the projected landmark vertex.
public struct FitBenchmark: Sendable {
    public struct Case: Sendable {
        public let yaw: Double, pitch: Double, roll: Double
        /// Per-vertex distance (mm) over the face skin between truth and the fitted shape …
        public let fittedMedian: Double, fittedMean: Double
        /// … and between truth and the mean face (the baseline).
        public let baselineMedian: Double, baselineMean: Double
        /// The same two means after the least-squares similarity alignment (uniform scale and
        /// translation) of each shape to the truth: one view under an orthographic camera cannot tell
        /// a face's absolute size or depth offset, so this separates shape from size.
        public let alignedFittedMean: Double, alignedBaselineMean: Double
        /// Mean per-vertex error of a diagnostic oracle: identity fitted by the same regularised least
        /// squares to the noisy projected landmark vertices, but with the true camera and the true
        /// expression given. It shows what the landmarks hold once the camera is not in question.
        public let oracleMean: Double
        /// The same oracle told everything but the face's size: the camera's scale is the one that
        /// gives the *mean* face's inter-ocular distance 100 px, all a photo can say about scale.
        /// It bounds what any fit from one orthographic view can reach on the unaligned error.
        public let sizeBlindOracleMean: Double
        /// Mean |β_fit − β_true| over the 53 weights.
        public let expressionError: Double
        /// Wall time of `ProxyFitter.fit`, seconds.
        public let seconds: Double
        public let reprojectionError: Double
    }

    public let model: MorphableModel
    public let fitter: ProxyFitter
    /// Landmark noise, pixels per coordinate (1 at 100 px inter-ocular distance).
    public var noise = 1.0
    /// Pose ranges, ± degrees.
    public var yawRange = 40.0, pitchRange = 20.0, rollRange = 10.0
    /// Random blendshapes per face (weights up to 0.7).
    public var expressions = 5
    /// Diagnostic: the fitter holds β at the truth, so only the camera and identity are fitted.
    public var givenExpression = false

    public init(model: MorphableModel, fitter: ProxyFitter) {
        self.model = model
        self.fitter = fitter
    }

    public func run(count: Int, seed: UInt64) throws -> [Case] {
        var random = SeededRandom(seed: seed)
        let faceVertices = model.info.regions.first?.vertexCount ?? model.vertexCount
        let meanShape: [SIMD3<Double>] = model.shape().prefix(faceVertices).map { SIMD3<Double>($0) }
        let meanInterocular = interocularDistance(meanShape)
        let landmarkRows = ModelRows(model: model, vertices: model.landmarkVertices)
        var cases: [Case] = []
        for _ in 0..<count {
            let alpha = (0..<model.identityCount).map { _ in random.gaussian() }
            var beta = [Double](repeating: 0, count: model.expressionNames.count)
            for _ in 0..<expressions { beta[Int(random.unit() * Double(beta.count))] = 0.7 * random.unit() }
            let yaw = yawRange * (2 * random.unit() - 1)
            let pitch = pitchRange * (2 * random.unit() - 1)
            let roll = rollRange * (2 * random.unit() - 1)
            let truth = model.mesh(identity: alpha.map(Float.init), expression: beta.map(Float.init))
            let positions = truth.positions.map { SIMD3<Double>($0) }
            let scale = 100 / interocularDistance(positions)
            let camera = ScaledOrthographicCamera(
                yaw: yaw, pitch: pitch, roll: roll, scale: scale, translation: SIMD2(320, 240))
            var points = model.landmarkVertices.map { camera.project(positions[$0]) }
            let vertexPoints = points.map { $0 + noise * SIMD2(random.gaussian(), random.gaussian()) }
            for (sideLandmarks, candidates) in [
                (Array(0...7), model.contourCandidates.right), (Array(9...16), model.contourCandidates.left),
            ] {
                let outline = candidates.filter {
                    abs((camera.rotation[2] * SIMD3<Double>(truth.normals[$0])).sum())
                        < ContourCorrespondence.silhouetteCosine
                }
                let pool = outline.isEmpty ? candidates : outline
                for l in sideLandmarks {
                    let target = points[l]
                    var best = pool[0]
                    var bestDistance = Double.infinity
                    for c in pool {
                        let d: SIMD2<Double> = camera.project(positions[c]) - target
                        let dd = (d * d).sum()
                        if dd < bestDistance { (best, bestDistance) = (c, dd) }
                    }
                    points[l] = camera.project(positions[best])
                }
            }
            points = points.map { $0 + noise * SIMD2(random.gaussian(), random.gaussian()) }
            let clock = ContinuousClock()
            let start = clock.now
            var fitter = fitter
            if givenExpression { fitter.options.fixedExpression = beta }
            let fitted = try fitter.fit(Landmarks68(points: points))
            let seconds = (clock.now - start).seconds
            let shape = model.shape(
                identity: fitted.identity.map(Float.init), expression: fitted.expression.map(Float.init))
            func errors(_ s: [SIMD3<Double>]) -> [Double] {
                (0..<faceVertices).map {
                    let d = s[$0] - positions[$0]
                    return (d * d).sum().squareRoot()
                }.sorted()
            }
            let fittedShape: [SIMD3<Double>] = shape.prefix(faceVertices).map { SIMD3<Double>($0) }
            let fit = errors(fittedShape)
            let base = errors(Array(meanShape))
            /// Identity alone, by the fitter's least squares on the landmark vertices, under a given camera.
            func oracleErrors(_ given: ScaledOrthographicCamera) -> [Double] {
                let alpha = fitShape(
                    rows: landmarkRows, pixels: vertexPoints, camera: PerspectiveCamera(given, principalPoint: .zero),
                    identity: [Double](repeating: 0, count: model.identityCount), expression: beta,
                    landmarkNoise: fitter.options.landmarkNoise * 100)
                return errors(
                    model.shape(identity: alpha.map(Float.init), expression: beta.map(Float.init))
                        .prefix(faceVertices).map { SIMD3<Double>($0) })
            }
            let oracle = oracleErrors(camera)
            var sizeBlind = camera
            sizeBlind.scale = 100 / meanInterocular
            let blind = oracleErrors(sizeBlind)
            let truthFace = Array(positions.prefix(faceVertices))
            func alignedMean(_ s: [SIMD3<Double>]) -> Double {
                let t = SimilarityTransform(aligning: s, to: truthFace)
                return s.indices.map {
                    let d = t.apply(s[$0]) - truthFace[$0]
                    return (d * d).sum().squareRoot()
                }.reduce(0, +) / Double(s.count)
            }
            cases.append(
                Case(
                    yaw: yaw, pitch: pitch, roll: roll,
                    fittedMedian: fit[fit.count / 2], fittedMean: fit.reduce(0, +) / Double(fit.count),
                    baselineMedian: base[base.count / 2], baselineMean: base.reduce(0, +) / Double(base.count),
                    alignedFittedMean: alignedMean(fittedShape), alignedBaselineMean: alignedMean(Array(meanShape)),
                    oracleMean: oracle.reduce(0, +) / Double(oracle.count),
                    sizeBlindOracleMean: blind.reduce(0, +) / Double(blind.count),
                    expressionError: zip(fitted.expression, beta).map { abs($0 - $1) }.reduce(0, +)
                        / Double(beta.count),
                    seconds: seconds, reprojectionError: fitted.reprojectionError))
        }
        return cases
    }

    /// Distance (mm) between the centres of the two eyes' six landmark vertices.
    func interocularDistance(_ positions: [SIMD3<Double>]) -> Double {
        let right: SIMD3<Double> = (36...41).map { positions[model.landmarkVertices[$0]] }.reduce(.zero, +) / 6
        let left: SIMD3<Double> = (42...47).map { positions[model.landmarkVertices[$0]] }.reduce(.zero, +) / 6
        let d = right - left
        return (d * d).sum().squareRoot()
    }
}

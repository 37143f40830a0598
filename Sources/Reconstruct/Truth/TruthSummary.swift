/// The benchmark's figures over a set of faces, overall and by pose bucket (|yaw| in 0–10°, 10–20°,
/// 20–30°).
public struct TruthSummary: Codable, Sendable {
    public struct Bucket: Codable, Sendable {
        public let yawDegrees: String
        public let faces: Int
        /// Nil for an empty bucket.
        public let fittedMeanMm: Double?, fittedMedianMm: Double?
        public let meanFaceMeanMm: Double?, meanFaceMedianMm: Double?
        public let baselineMeanMm: Double?, baselineMedianMm: Double?
    }

    public let faces: Int
    public let buckets: [Bucket]
    /// 1 − fitted ÷ mean-face aligned error (mean over faces): the fit's gain over the mean face.
    public let reductionOverMeanFace: Double
    /// The same for the same-run weak-perspective landmark fit (`TruthScore.baselineMeanMm`).
    public let baselineReductionOverMeanFace: Double
    /// Share of faces whose dominant true blendshape is among the 3 largest fitted.
    public let dominantInTopThree: Double
    /// Pearson correlation of true and fitted β over all faces and blendshapes.
    public let expressionCorrelation: Double
    public let expressionErrorMean: Double
    public let misregistrationMeanMm: Double?
    public let baselineMisregistrationMeanMm: Double?
    /// Both fits' misregistration over the faces where both are measurable, and how many: the
    /// means above are over different faces when one fit registers a face the other does not.
    public let pairedMisregistration: PairedMisregistration?
    public struct PairedMisregistration: Codable, Sendable {
        public let fittedMm: Double, baselineMm: Double, faces: Int
    }
    /// The same for the control unwraps: true shape, true pinhole camera; and true shape, best
    /// weak-perspective camera.
    public let controlMisregistrationMeanMm: Double?
    public let orthographicControlMisregistrationMeanMm: Double?
    /// Mean distance of the detected landmarks from the true projections, over the inter-ocular distance.
    public let detectedLandmarkErrorMean: Double
    public let scaleErrorMeanAbs: Double
    /// Detail against the truth relief, means over faces (`TruthScore`).
    public let detailCorrelationMean: Double?, detailAmplitudeRatioMean: Double?, detailConfounderRatioMean: Double?
    public let detailFalseReliefMean: Double?, detailResidualRatioMean: Double?
    public let landmarkErrorMean: Double
    /// Median seconds per face of the proxy stages (the dense fit included) and of the detail stage.
    public let proxySecondsMedian: Double, detailSecondsMedian: Double
    /// The dense fit's seconds per face: median, fastest, slowest (0 when it did not run).
    public let denseFitSeconds: [Double]

    public init(_ scores: [TruthScore]) {
        faces = scores.count
        func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
        func median(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.sorted()[v.count / 2] }
        func bucketMean(_ v: [Double]) -> Double? { v.isEmpty ? nil : mean(v) }
        func bucketMedian(_ v: [Double]) -> Double? { v.isEmpty ? nil : median(v) }
        buckets = [(0.0, 10.0), (10, 20), (20, 30.0001)].map { low, high in
            let s = scores.filter { abs($0.yaw) >= low && abs($0.yaw) < high }
            return Bucket(
                yawDegrees: "\(Int(low))–\(Int(high.rounded(.down)))", faces: s.count,
                fittedMeanMm: bucketMean(s.map(\.fittedMeanMm)), fittedMedianMm: bucketMedian(s.map(\.fittedMeanMm)),
                meanFaceMeanMm: bucketMean(s.map(\.meanFaceMeanMm)),
                meanFaceMedianMm: bucketMedian(s.map(\.meanFaceMeanMm)),
                baselineMeanMm: bucketMean(s.map(\.baselineMeanMm)),
                baselineMedianMm: bucketMedian(s.map(\.baselineMeanMm)))
        }
        reductionOverMeanFace =
            scores.isEmpty ? 0 : 1 - mean(scores.map(\.fittedMeanMm)) / mean(scores.map(\.meanFaceMeanMm))
        baselineReductionOverMeanFace =
            scores.isEmpty ? 0 : 1 - mean(scores.map(\.baselineMeanMm)) / mean(scores.map(\.meanFaceMeanMm))
        dominantInTopThree = mean(scores.map { $0.dominantRank < 3 ? 1 : 0 })
        let t = scores.flatMap(\.trueExpression)
        let f = scores.flatMap(\.fittedExpression)
        let mt = mean(t)
        let mf = mean(f)
        let cov = zip(t, f).map { ($0 - mt) * ($1 - mf) }.reduce(0, +)
        let vt = t.map { ($0 - mt) * ($0 - mt) }.reduce(0, +)
        let vf = f.map { ($0 - mf) * ($0 - mf) }.reduce(0, +)
        expressionCorrelation = vt > 0 && vf > 0 ? cov / (vt * vf).squareRoot() : 0
        expressionErrorMean = mean(scores.map(\.expressionError))
        let shifts = scores.compactMap(\.misregistrationMm)
        misregistrationMeanMm = shifts.isEmpty ? nil : mean(shifts)
        let baselineShifts = scores.compactMap(\.baselineMisregistrationMm)
        baselineMisregistrationMeanMm = baselineShifts.isEmpty ? nil : mean(baselineShifts)
        let pairs = scores.compactMap { s in
            s.misregistrationMm.flatMap { f in s.baselineMisregistrationMm.map { (f, $0) } }
        }
        pairedMisregistration =
            pairs.isEmpty
            ? nil
            : PairedMisregistration(
                fittedMm: mean(pairs.map(\.0)), baselineMm: mean(pairs.map(\.1)), faces: pairs.count)
        let control = scores.compactMap(\.controlMisregistrationMm)
        controlMisregistrationMeanMm = control.isEmpty ? nil : mean(control)
        let orthographic = scores.compactMap(\.orthographicControlMisregistrationMm)
        orthographicControlMisregistrationMeanMm = orthographic.isEmpty ? nil : mean(orthographic)
        detectedLandmarkErrorMean = mean(scores.map(\.detectedLandmarkError))
        scaleErrorMeanAbs = mean(scores.map { abs($0.scaleError) })
        func optionalMean(_ v: [Double?]) -> Double? {
            let known = v.compactMap { $0 }
            return known.isEmpty ? nil : mean(known)
        }
        detailCorrelationMean = optionalMean(scores.map(\.detailCorrelation))
        detailAmplitudeRatioMean = optionalMean(scores.map(\.detailAmplitudeRatio))
        detailConfounderRatioMean = optionalMean(scores.map(\.detailConfounderRatio))
        detailFalseReliefMean = optionalMean(scores.map(\.detailFalseRelief))
        detailResidualRatioMean = optionalMean(scores.map(\.detailResidualRatio))
        landmarkErrorMean = mean(scores.map(\.landmarkError))
        proxySecondsMedian = median(
            scores.map { t in
                let p = t.timings.proxy
                return p.load + p.detection + p.landmarks + p.fit + p.denseFit + p.unwrap
            })
        let dense = scores.map(\.timings.proxy.denseFit)
        denseFitSeconds = dense.isEmpty ? [] : [median(dense), dense.min()!, dense.max()!]
        detailSecondsMedian = median(scores.map { $0.timings.detail?.wall ?? 0 })
    }
}

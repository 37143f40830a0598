import ArgumentParser
import Foundation
import Reconstruct

/// `bench fit --images N`: the proxy fit from rendered photos of known faces, without the
/// expression prior and with it (as the regulariser's mean, and fixed), in one run.
struct ImageFitBench {
    let faces: Int
    let seed: UInt64
    let fit: FitMethod
    let query: ExpressionDictionary.Query
    let json: Bool
    let dictionary: URL?
    /// The fitter's μ for the prior variants (nil: the fitter's own).
    let mu: Double?

    func run(model: URL, landmarks: LandmarkModelOptions) throws {
        var options = ReconstructionOptions()
        options.detail = nil
        options.fit = fit
        options.uvSize = ReconstructionOptions.uvSizes.lowerBound
        options.expressionPrior = .none
        let pipeline = try ReconstructionPipeline(
            options: options, modelFile: model, landmarkModel: landmarks.url, faces: landmarks.finderOptions(),
            detectorModel: landmarks.detectorURL)
        var fitterOptions = pipeline.proxyStage.fitter.options
        if let mu { fitterOptions.expressionPriorWeight = mu }
        let priorPipeline = pipeline.fitting(with: fitterOptions)
        var prior = try ExpressionPrior.load(dictionary: dictionary)
        prior.query = query
        var fixed = prior
        fixed.use = .fixed
        let variants = [
            ImageFitBenchmark.Variant(name: "none", stage: pipeline.proxyStage),
            ImageFitBenchmark.Variant(name: "prior-mean", stage: priorPipeline.withPrior(prior).proxyStage),
            ImageFitBenchmark.Variant(name: "prior-fixed", stage: priorPipeline.withPrior(fixed).proxyStage),
        ]
        let rendering = try ModelFile.load(ModelFile.defaultURL(region: .full))
        let benchmark = ImageFitBenchmark(
            photos: RandomFacePhotos(model: rendering, seed: seed), fitted: pipeline.model)
        let cases = benchmark.run(count: faces, seed: seed, variants: variants) { done, total in
            FileHandle.standardError.write(Data("\rfaces \(done)/\(total)".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let report = ImageFitReport(cases: cases, variants: variants.map(\.name), query: query, fit: fit, seed: seed)
        if json { print(try JSONOutput.encode(report)) } else { report.printTable() }
    }
}

/// What `bench fit --images` reports: per variant the means over the faces found, with the 10th–
/// 90th percentile range, and the correlation of fitted with true β over all faces and blendshapes.
struct ImageFitReport: Encodable {
    struct Summary: Encodable {
        let variant: String
        let found: Int
        let expressionError: Double
        let expressionErrorRange: [Double]
        /// Root mean square of β − β_true over all faces and blendshapes (the mean absolute error
        /// rewards predicting 0 for every weight: on the 100 faces of docs/expression-prior.md,
        /// β = 0 scores 0.033, better than any fit).
        let expressionRMSE: Double
        let betaCorrelation: Double
        let alignedShapeErrorMm: Double
        let alignedShapeErrorRangeMm: [Double]
        /// Shape error relative to the mean face's on the same faces (negative: better than it).
        let shapeVersusMeanFace: Double
        /// Faces where this variant's expression error is below the no-prior fit's.
        let expressionBetterThanNone: Double?
        /// The prior's own β: error and correlation with the truth (nil without a prior).
        let priorExpressionError: Double?
        let priorExpressionRMSE: Double?
        let priorBetaCorrelation: Double?
    }

    let seed: UInt64
    let faces: Int
    let fit: FitMethod
    let neighbours: Int
    let emotionWeight: Double
    let variants: [Summary]
    let cases: [ImageFitBenchmark.Case]

    init(
        cases: [ImageFitBenchmark.Case], variants: [String], query: ExpressionDictionary.Query, fit: FitMethod,
        seed: UInt64
    ) {
        self.seed = seed
        faces = cases.count
        self.fit = fit
        neighbours = query.neighbours
        emotionWeight = query.emotionWeight
        self.cases = cases
        let none = cases.map { $0.scores.first { $0.variant == "none" }?.expressionError }
        self.variants = variants.map { name in
            let rows = cases.compactMap { c -> (ImageFitBenchmark.Case, ImageFitBenchmark.Score)? in
                guard let s = c.scores.first(where: { $0.variant == name }), s.expressionError != nil else {
                    return nil
                }
                return (c, s)
            }
            let errors = rows.map { $0.1.expressionError! }
            let shapes = rows.map { $0.1.alignedShapeError! }
            let truth = rows.flatMap(\.0.trueExpression)
            let priors = rows.compactMap(\.1.priorExpression)
            var better: Double? = nil
            if name != "none" {
                let pairs = zip(cases, none).compactMap { c, n -> Bool? in
                    guard let n, let e = c.scores.first(where: { $0.variant == name })?.expressionError else {
                        return nil
                    }
                    return e < n
                }
                better = Double(pairs.filter { $0 }.count) / Double(max(pairs.count, 1))
            }
            var priorError: Double? = nil
            var priorCorrelation: Double? = nil
            var priorRMSE: Double? = nil
            if priors.count == rows.count, !priors.isEmpty {
                let each: [Double] = zip(priors, rows).map { p, r in
                    ImageFitBenchmark.meanAbsolute(p, r.0.trueExpression)
                }
                priorError = mean(each)
                priorCorrelation = pearsonCorrelation(priors.flatMap { $0 }, truth)
                let flat: [Double] = priors.flatMap { $0 }
                priorRMSE = mean(zip(flat, truth).map { ($0 - $1) * ($0 - $1) }).squareRoot()
            }
            let fitted: [Double] = rows.flatMap { $0.1.fittedExpression! }
            let squares: [Double] = zip(fitted, truth).map { ($0 - $1) * ($0 - $1) }
            let meanFace: [Double] = rows.map(\.0.meanFaceError)
            return Summary(
                variant: name, found: rows.count, expressionError: mean(errors),
                expressionErrorRange: [percentile(errors, 0.1), percentile(errors, 0.9)],
                expressionRMSE: mean(squares).squareRoot(), betaCorrelation: pearsonCorrelation(fitted, truth),
                alignedShapeErrorMm: mean(shapes),
                alignedShapeErrorRangeMm: [percentile(shapes, 0.1), percentile(shapes, 0.9)],
                shapeVersusMeanFace: mean(shapes) / mean(meanFace) - 1, expressionBetterThanNone: better,
                priorExpressionError: priorError, priorExpressionRMSE: priorRMSE, priorBetaCorrelation: priorCorrelation
            )
        }
    }

    func printTable() {
        print(
            "bench fit --images: \(faces) rendered faces from seed \(seed), \(fit.rawValue) fit, k = \(neighbours), "
                + "emotion weight \(emotionWeight)")
        print(
            "variant      found  |β error| (p10–p90)     β RMSE  β corr  shape mm (p10–p90)  vs mean face  "
                + "better than none  prior |β error|, RMSE, corr")
        for v in variants {
            let better = v.expressionBetterThanNone.map { String(format: "%.0f %%", 100 * $0) } ?? "–"
            let prior =
                v.priorExpressionError.map {
                    String(
                        format: "%.4f, %.4f, %.3f", $0, v.priorExpressionRMSE ?? .nan, v.priorBetaCorrelation ?? .nan)
                } ?? "–"
            let figures = String(
                format: "%5d  %.4f (%.4f–%.4f)  %.4f  %.3f   %.2f (%.2f–%.2f)   %+6.1f %%", v.found, v.expressionError,
                v.expressionErrorRange[0], v.expressionErrorRange[1], v.expressionRMSE, v.betaCorrelation,
                v.alignedShapeErrorMm,
                v.alignedShapeErrorRangeMm[0], v.alignedShapeErrorRangeMm[1], 100 * v.shapeVersusMeanFace)
            print(
                v.variant.padding(toLength: 12, withPad: " ", startingAt: 0) + figures + "       "
                    + better.padding(toLength: 18, withPad: " ", startingAt: 0) + prior)
        }
    }
}

private func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(v.count, 1)) }

private func percentile(_ v: [Double], _ p: Double) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s[min(Int(p * Double(s.count - 1) + 0.5), s.count - 1)]
}

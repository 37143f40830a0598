import ArgumentParser
import Foundation
import Reconstruct

/// `facedetail bench truth`: the whole pipeline on photos Blender renders from known faces.
struct TruthBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "truth",
        abstract: "Render-truth benchmark: Blender renders known faces; the pipeline is scored against the truth.",
        discussion: """
            Each face (TruthFace, drawn from the seed) is a random ICT identity with a labelled expression \
            (smile, brow raise, frown, jaw open, mixed), truth wrinkles and pores as displacement, an albedo \
            with brows, lips, moles and freckles, a key and a fill light, yaw ±30°, pitch ±15°, and a \
            35–135 mm lens at 0.5–2 m. benchmarks/truth/render_truth.py renders it with Cycles; the \
            pipeline reconstructs the photo. Scores: aligned per-vertex error of the proxy against the \
            same-run mean face (by |yaw| bucket), scale error, expression error and the dominant \
            blendshape's rank, texture misregistration (mm), landmark error, seconds per stage \
            (docs/benchmarks.md). Renders are regenerated, not stored (--keep keeps them).
            """)

    @Option(help: "Number of faces.") var faces = 24
    @Option(help: "Seed of the face set.") var seed: UInt64 = 1
    @Option(help: "Cycles samples per pixel.") var samples = 24
    @Option(help: "Model rendered (the full head).") var renderModel = "models/ict-full.fdmodel"
    @OptionGroup var model: ModelOptions
    @OptionGroup var landmarkModel: LandmarkModelOptions
    @Option(help: "Blender executable.") var blender = "blender"
    @Option(help: "Keep each face's scene and render in this folder; a later run reuses renders of unchanged scenes.")
    var keep: String?
    @Option(help: "Fitter's expression prior weight μ (default: the fitter's).") var mu: Double?
    @Option(help: "Fitter's L1 pull of β toward zero (default: the fitter's).") var sparsity: Double?
    @Option(help: "Fitter's tie of _L/_R blendshape pairs (default: the fitter's).") var symmetry: Double?
    @Option(help: "Blendshapes the fitter holds at zero, comma-separated (default: the fitter's).")
    var held: CommaSeparated<String>?
    @Option(
        help:
            "What the pipeline is told of each render's lens: exif (the true focal length), assumed (nothing, as for a PNG: the default), orthographic."
    )
    var lens = TruthBenchmark.TruthLens.assumed
    @Option(help: "Proxy fit: landmarks, or dense (refined against the photo).") var fit = FitMethod.dense
    @Option(help: "Expression prior of the fit: emotion or none (docs/expression-prior.md).")
    var expressionPrior = ReconstructionOptions().expressionPrior
    @Option(help: "How the fit uses β_prior: mean or fixed.") var expressionPriorUse = ReconstructionOptions()
        .expressionPriorUse
    @Option(help: "Detail synthesizer (docs/details.md).") var detail = DetailSynthesizerID(argument: "dfdn")!
    @Option(help: "Weights of --detail dfdn (default: the shipped file).") var detailWeights: String?
    @Option(help: "Dense fit's photometric weight (default: the fitter's).") var photometricWeight: Double?
    @Option(help: "Dense fit's contour weight (default: the fitter's).") var contourWeight: Double?
    @Option(help: "Dense fit's albedo radius, mm (default: the fitter's).") var albedoRadius: Double?
    @Option(help: "Dense fit's L1 pull of β toward zero (default: the fitter's).") var denseSparsity: Double?
    @Option(help: "Dense fit's tie of _L/_R blendshape pairs (default: the fitter's).") var denseSymmetry: Double?
    @Option(help: "Dense fit's exponent of each blendshape's landmark motion in its L1 pull (default: the fitter's).")
    var sparsityByMotion: Double?
    @Flag(inversion: .prefixedNo, help: "Dense fit: move the brow points onto the photo's brow band.")
    var browBands = true
    @Option(help: "Dense fit's steps per pyramid level, coarsest first, comma-separated (default: the fitter's).")
    var denseSteps: CommaSeparated<Int>?
    @Flag(help: "Diagnostic: fit to the true projections of the fixed landmark vertices instead of dlib's points.")
    var oracleLandmarks = false
    @OptionGroup var report: ReportOptions

    struct Report: Encodable {
        let summary: TruthSummary
        let scores: [TruthScore]
        let failures: [String]
    }

    func run() throws {
        var options = ReconstructionOptions()
        options.region = model.region
        options.uvSize = 1024
        options.formats = []
        options.detail = detail.id
        options.detailWeights = detailWeights
        options.fit = fit
        options.expressionPrior = expressionPrior
        options.expressionPriorUse = expressionPriorUse
        var pipeline = try ReconstructionPipeline(
            options: options, modelFile: model.url, landmarkModel: landmarkModel.url,
            faces: landmarkModel.finderOptions(), detectorModel: landmarkModel.detectorURL)
        var fit = pipeline.proxyStage.fitter.options
        if let mu { fit.expressionPriorWeight = mu }
        if let sparsity { fit.expressionSparsity = sparsity }
        if let symmetry { fit.expressionSymmetry = symmetry }
        if let held { fit.heldExpressions = held.values }

        pipeline = pipeline.fitting(with: fit)
        if self.fit == .dense {
            var dense = DenseFitter.Options()
            if let photometricWeight { dense.photometricWeight = photometricWeight }
            if let contourWeight { dense.contourWeight = contourWeight }
            if let albedoRadius { dense.albedoRadius = albedoRadius }
            if let denseSteps { dense.stepsPerLevel = denseSteps.values }
            if let denseSparsity { dense.expressionSparsity = denseSparsity }
            if let denseSymmetry { dense.expressionSymmetry = denseSymmetry }
            if let sparsityByMotion { dense.sparsityByMotion = sparsityByMotion }
            dense.browBands = browBands
            pipeline = pipeline.refining(with: dense)
        }
        var benchmark = TruthBenchmark(
            renderModel: try ModelFile.load(URL(fileURLWithPath: renderModel)), pipeline: pipeline)
        benchmark.samples = samples
        benchmark.lens = lens
        benchmark.oracleLandmarks = oracleLandmarks
        let work =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("facedetail-truth-\(getpid())")
        defer { if keep == nil { try? FileManager.default.removeItem(at: work) } }
        var scores: [TruthScore] = []
        var failures: [String] = []
        for (k, face) in benchmark.faces(count: faces, seed: seed).enumerated() {
            let folder = work.appendingPathComponent(String(format: "face%03d", k))
            do {
                let score = try benchmark.score(face, in: folder) { try BlenderRender.run(blender, scene: $0) }
                scores.append(score)
                progress(
                    "[\(k + 1)/\(faces)] \(face.label.rawValue), yaw \(Int(face.yaw.rounded()))°: proxy "
                        + String(format: "%.2f mm (mean face %.2f)", score.fittedMeanMm, score.meanFaceMeanMm))
            } catch {
                failures.append("face \(k) (seed \(face.seed)): \(error)")
                progress("[\(k + 1)/\(faces)] failed: \(error)")
            }
        }
        let summary = TruthSummary(scores)
        if report.json {
            print(try JSONOutput.encode(Report(summary: summary, scores: scores, failures: failures)))
        } else {
            printTable(summary, failures: failures)
        }
    }

    private func progress(_ line: String) { FileHandle.standardError.write(Data("bench truth: \(line)\n".utf8)) }

    private func printTable(_ s: TruthSummary, failures: [String]) {
        print("bench truth — \(s.faces) rendered faces (seed \(seed)), \(failures.count) failed")
        print("aligned per-vertex error over the face, mm (mean / median of the faces' means)")
        print("lens: \(lens.rawValue); baseline: the weak-perspective landmark fit of the same points")
        print("|yaw|      faces   proxy fit        baseline fit     mean face")
        for b in s.buckets {
            guard let fm = b.fittedMeanMm, let fd = b.fittedMedianMm, let mm = b.meanFaceMeanMm,
                let md = b.meanFaceMedianMm, let bm = b.baselineMeanMm, let bd = b.baselineMedianMm
            else {
                print(
                    "\(b.yawDegrees.padding(toLength: 9, withPad: " ", startingAt: 0)) \(String(format: "%5d", b.faces))"
                )
                continue
            }
            let row = String(
                format: "%5d   %5.2f / %5.2f    %5.2f / %5.2f    %5.2f / %5.2f", b.faces, fm, fd, bm, bd, mm, md)
            print("\(b.yawDegrees.padding(toLength: 9, withPad: " ", startingAt: 0)) \(row)")
        }
        print(
            String(
                format: "error vs mean face: %+.0f %% (baseline %+.0f %%)", -100 * s.reductionOverMeanFace,
                -100 * s.baselineReductionOverMeanFace))
        print(
            String(
                format: "expressions: dominant in top 3 on %.0f %% of faces; β correlation %.2f; mean |Δβ| %.3f",
                100 * s.dominantInTopThree, s.expressionCorrelation, s.expressionErrorMean))
        func mm(_ v: Double?) -> String { v.map { String(format: "%.2f mm", $0) } ?? "not measurable" }
        print(
            "texture misregistration, each fit over the faces it registers: \(mm(s.misregistrationMeanMm)) (baseline "
                + "\(mm(s.baselineMisregistrationMeanMm))); controls on the true shape: pinhole camera "
                + "\(mm(s.controlMisregistrationMeanMm)), best weak-perspective camera "
                + "\(mm(s.orthographicControlMisregistrationMeanMm))")
        if let p = s.pairedMisregistration {
            print(
                String(
                    format: "misregistration on the %d faces both fits register: %.2f mm (baseline %.2f mm)", p.faces,
                    p.fittedMm, p.baselineMm))
        }
        print(
            String(format: "detected landmarks vs true projection: %.1f %% of IOD", 100 * s.detectedLandmarkErrorMean))
        if let c = s.detailCorrelationMean, let a = s.detailAmplitudeRatioMean, let f = s.detailConfounderRatioMean {
            print(
                String(
                    format: "detail vs true relief: correlation %.2f, amplitude ×%.2f, relief on marks ×%.2f of skin",
                    c, a, f))
        }
        if let f = s.detailFalseReliefMean, let r = s.detailResidualRatioMean {
            print(
                String(
                    format:
                        "false relief (RMS on flat marks / true wrinkle RMS) %.2f; relief error with the detail ×%.2f of the proxy's (below 1: closer to the truth)",
                    f, r))
        }
        print(
            String(
                format: "scale error (mean |fitted/true − 1|): %.1f %%; landmark error %.1f %% of IOD",
                100 * s.scaleErrorMeanAbs, 100 * s.landmarkErrorMean))
        print(
            String(
                format: "per face (median): proxy stages %.0f ms, detail %.0f ms", 1000 * s.proxySecondsMedian,
                1000 * s.detailSecondsMedian))
        if s.denseFitSeconds.count == 3, s.denseFitSeconds[2] > 0 {
            print(
                String(
                    format: "dense fit: %.0f ms median (%.0f–%.0f)", 1000 * s.denseFitSeconds[0],
                    1000 * s.denseFitSeconds[1], 1000 * s.denseFitSeconds[2]))
        }
        for f in failures { print("failed: \(f)") }
    }
}

/// Runs benchmarks/truth/render_truth.py in headless Blender on one scene file.
enum BlenderRender {
    static let script = "benchmarks/truth/render_truth.py"

    static func run(_ blender: String, scene: URL) throws {
        guard FileManager.default.fileExists(atPath: script) else {
            throw CommandError(
                .helperFailed, path: script, "the render script is missing",
                reason: "run bench truth from the repository's root")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            blender, "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--", scene.path,
        ]
        let log = Pipe()
        process.standardOutput = log
        process.standardError = log
        do { try process.run() } catch {
            throw CommandError(.helperFailed, path: blender, "cannot start Blender", cause: error)
        }
        let output = log.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let tail = String(decoding: output.suffix(400), as: UTF8.self)
            throw CommandError(
                .helperFailed, path: scene.path, "Blender could not render the scene",
                reason: "exit status \(process.terminationStatus): \(tail)")
        }
    }
}

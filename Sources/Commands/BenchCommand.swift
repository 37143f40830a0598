import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail bench`: speed figures, each beside a baseline measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (use a release build).",
        subcommands: [
            LandmarksBench.self, FitBench.self, UnwrapBench.self, ReconstructBench.self, NeuralBench.self,
            TruthBench.self, FacesBench.self, DetailBench.self,
        ])

    struct LandmarksBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "landmarks",
            abstract: "Detection and landmark time at 0.25, 1 and 4 MP, and model load times.",
            discussion: """
                The photo is resized (bilinear) to each size. Baseline: a single plain dlib detector \
                pass (no upsampling or rotation retries) on the same image. Model load: mapping and \
                checking the .fdmodel against reading its bytes with one read call.
                """)

        @Option(help: "Photo with one face.") var photo = "samples/astronaut.png"
        @OptionGroup var model: ModelOptions
        @Option(help: "Runs per size; the median is reported.") var runs = 5
        @OptionGroup var landmarkModel: LandmarkModelOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            let result = try measure()
            if report.json { print(try JSONOutput.encode(result)) } else { result.printTable() }
        }

        private func measure() throws -> LandmarkBenchReport {
            let clock = ContinuousClock()
            let predictorURL = landmarkModel.url
            let loadStart = clock.now
            let predictor = try LandmarkPredictor(contentsOf: predictorURL)
            let predictorLoad = (clock.now - loadStart).seconds
            let finder = try FaceFinder(
                detector: HOGFaceDetector(), predictor: predictor, options: .init(detector: .hog))
            var plain = finder
            plain.options.rotationTiers = []
            plain.options.upsampleUpToPixels = 0
            let source = try Photo.load(from: URL(fileURLWithPath: photo))
            var rows: [LandmarkBenchReport.Row] = []
            for megapixels in [0.25, 1, 4] {
                let side = Int((megapixels * 1_000_000).squareRoot().rounded())
                let height = Int((Double(side) * Double(source.height) / Double(source.width)).rounded())
                let image = Photo(url: source.url, rgb: source.rgb.resized(width: side, height: height))
                var detection: [Double] = []
                var landmarks: [Double] = []
                var baseline: [Double] = []
                for _ in 0..<runs {
                    var t = FaceFinder.Timings()
                    _ = try finder.faces(in: image, timings: &t)
                    detection.append(t.detection)
                    landmarks.append(t.landmarks)
                    var b = FaceFinder.Timings()
                    _ = try plain.faces(in: image, timings: &b)
                    baseline.append(b.detection)
                }
                rows.append(
                    .init(
                        megapixels: Double(side * height) / 1e6, width: side, height: height,
                        detectionMs: median(detection) * 1000, landmarksMs: median(landmarks) * 1000,
                        plainDetectionMs: median(baseline) * 1000))
                FileHandle.standardError.write(Data("measured \(side)×\(height)\n".utf8))
            }
            let modelURL = model.url
            var loads: [Double] = []
            var reads: [Double] = []
            for _ in 0..<runs {
                let a = clock.now
                _ = try ModelFile.load(modelURL)
                loads.append((clock.now - a).seconds)
                let b = clock.now
                _ = try Data(contentsOf: modelURL)
                reads.append((clock.now - b).seconds)
            }
            return LandmarkBenchReport(
                photo: photo, dlib: dlibVersion, rows: rows, predictorLoadMs: predictorLoad * 1000,
                model: modelURL.path,
                modelBytes: (try? FileManager.default.attributesOfItem(atPath: modelURL.path)[.size] as? Int) ?? 0,
                modelLoadMs: median(loads) * 1000, modelReadMs: median(reads) * 1000)
        }
    }
}

extension BenchCommand {
    struct FitBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fit",
            abstract: "Synthetic proxy-fit benchmark with known truth (see docs/benchmarks.md).",
            discussion: "Baseline: the mean face (α = 0, β = 0), scored against the same truth in the same run.")

        @OptionGroup var model: ModelOptions
        @Option(help: "Number of random faces.") var faces = 200
        @Option(help: "Seed.") var seed: UInt64 = 1
        @Option(help: "Landmark noise, px per coordinate.") var noise = 1.0
        @Option(help: "Yaw range, ± degrees.") var yaw = 40.0
        @Option(help: "Pitch range, ± degrees.") var pitch = 20.0
        @Option(help: "Random blendshapes per face.") var expressions = 5
        @Option(help: "Fitter's landmark noise σ as a fraction of IOD (default: the fitter's).") var sigma: Double?
        @Option(help: "Fitter's expression prior weight μ (default: the fitter's).") var mu: Double?
        @Option(help: "Fitter's alternation rounds (default: the fitter's).") var iterations: Int?
        @Option(help: "Fitter's camera ⇄ α ⇄ β steps per round (default: the fitter's).") var refinements: Int?
        @Flag(help: "Diagnostic: give the fitter the true expression; only camera and identity are fitted.")
        var givenExpression = false
        @Option(
            help: """
                Render this many faces as photos and fit them through detection, landmarks, the expression \
                prior and the fit, with and without the prior (docs/expression-prior.md).
                """)
        var images: Int?
        @Option(help: "With --images: the fit (landmarks or dense).") var fit = FitMethod.dense
        @Option(help: "With --images: dictionary entries averaged into β_prior.") var neighbours =
            ExpressionDictionary.Query().neighbours
        @Option(help: "With --images: how the neighbours combine (mean or median).")
        var combine = ExpressionDictionary.Query().combine
        @Option(help: "With --images: weight of the emotion features against the landmark ones, 0–1.")
        var emotionWeight = ExpressionDictionary.Query().emotionWeight
        @Option(help: "With --images: the expression dictionary (default: models/expression-dictionary.fdxd).")
        var expressionDictionary: String?
        @OptionGroup var landmarkModel: LandmarkModelOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            if let images {
                var query = ExpressionDictionary.Query()
                query.neighbours = neighbours
                query.emotionWeight = emotionWeight
                query.combine = combine
                try ImageFitBench(
                    faces: images, seed: seed, fit: fit, query: query, json: report.json,
                    dictionary: expressionDictionary.map { URL(fileURLWithPath: $0) }, mu: mu
                )
                .run(model: model.url, landmarks: landmarkModel)
                return
            }
            let loaded = try ModelFile.load(model.url)
            let clock = ContinuousClock()
            let start = clock.now
            var fitter = ProxyFitter(model: loaded)
            if let sigma { fitter.options.landmarkNoise = sigma }
            if let mu { fitter.options.expressionPriorWeight = mu }
            if let iterations { fitter.options.iterations = iterations }
            if let refinements { fitter.options.refinements = refinements }
            let setup = (clock.now - start).seconds
            var benchmark = FitBenchmark(model: loaded, fitter: fitter)
            benchmark.noise = noise
            benchmark.yawRange = yaw
            benchmark.pitchRange = pitch
            benchmark.expressions = expressions
            benchmark.givenExpression = givenExpression
            let cases = try benchmark.run(count: faces, seed: seed)
            let result = FitBenchReport(
                model: model.url.path, faces: faces, seed: seed, setupMs: setup * 1000, cases: cases)
            if report.json { print(try JSONOutput.encode(result)) } else { result.printTable() }
        }
    }
}

extension BenchCommand {
    struct UnwrapBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unwrap",
            abstract: "Texture unwrap time at 512² to 4096² on a fitted photo.",
            discussion: """
                Baseline, measured in the same run: rasterising the same UV triangles with an empty \
                per-texel body (coverage only), i.e. the floor any unwrap at that size pays.
                """)

        @Option(help: "Photo with one face.") var photo = "samples/astronaut.png"
        @OptionGroup var model: ModelOptions
        @Option(help: "Runs per size; the median is reported.") var runs = 5
        @OptionGroup var landmarkModel: LandmarkModelOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            let loaded = try ModelFile.load(model.url)
            let source = try Photo.load(from: URL(fileURLWithPath: photo))
            let face = try landmarkModel.finder().faces(in: source)[0]
            let fit = try ProxyFitter(model: loaded).fit(face.landmarks)
            let shape = loaded.shape(identity: fit.identity.map(Float.init), expression: fit.expression.map(Float.init))
            let clock = ContinuousClock()
            var rows: [UnwrapBenchRow] = []
            for size in [512, 1024, 2048, 4096] {
                var unwrap: [Double] = []
                var floor: [Double] = []
                let unwrapper = TextureUnwrapper(size: size)
                for _ in 0..<runs {
                    let a = clock.now
                    _ = unwrapper.unwrap(photo: source, model: loaded, shape: shape, camera: fit.camera)
                    unwrap.append((clock.now - a).seconds)
                    let b = clock.now
                    _ = unwrapper.coverage(model: loaded)
                    floor.append((clock.now - b).seconds)
                }
                rows.append(
                    UnwrapBenchRow(size: size, unwrapMs: median(unwrap) * 1000, coverageMs: median(floor) * 1000))
            }
            if report.json {
                print(try JSONOutput.encode(rows))
            } else {
                print("bench unwrap — \(photo), medians of \(runs) runs (ms)")
                print("size    unwrap   coverage only   unwrap / coverage")
                for r in rows {
                    print(
                        String(
                            format: "%-6d %7.1f  %14.1f  %18.2f", r.size, r.unwrapMs, r.coverageMs,
                            r.unwrapMs / r.coverageMs))
                }
            }
        }
    }
}

struct UnwrapBenchRow: Encodable {
    let size: Int
    let unwrapMs: Double
    let coverageMs: Double
}

struct FitBenchReport: Encodable {
    let model: String
    let faces: Int
    let seed: UInt64
    let setupMs: Double
    let fittedMedianMm: Double, fittedMeanMm: Double
    let baselineMedianMm: Double, baselineMeanMm: Double
    let errorReduction: Double
    let alignedFittedMeanMm: Double, alignedBaselineMeanMm: Double
    let alignedErrorReduction: Double
    let oracleMeanMm: Double
    let sizeBlindOracleMeanMm: Double
    let expressionError: Double
    let reprojectionError: Double
    let fitMsMedian: Double

    init(model: String, faces: Int, seed: UInt64, setupMs: Double, cases: [FitBenchmark.Case]) {
        self.model = model
        self.faces = faces
        self.seed = seed
        self.setupMs = setupMs
        fittedMedianMm = median(cases.map(\.fittedMedian))
        fittedMeanMm = cases.map(\.fittedMean).reduce(0, +) / Double(cases.count)
        baselineMedianMm = median(cases.map(\.baselineMedian))
        baselineMeanMm = cases.map(\.baselineMean).reduce(0, +) / Double(cases.count)
        errorReduction = 1 - fittedMeanMm / baselineMeanMm
        alignedFittedMeanMm = cases.map(\.alignedFittedMean).reduce(0, +) / Double(cases.count)
        alignedBaselineMeanMm = cases.map(\.alignedBaselineMean).reduce(0, +) / Double(cases.count)
        alignedErrorReduction = 1 - alignedFittedMeanMm / alignedBaselineMeanMm
        oracleMeanMm = cases.map(\.oracleMean).reduce(0, +) / Double(cases.count)
        sizeBlindOracleMeanMm = cases.map(\.sizeBlindOracleMean).reduce(0, +) / Double(cases.count)
        expressionError = cases.map(\.expressionError).reduce(0, +) / Double(cases.count)
        reprojectionError = median(cases.map(\.reprojectionError))
        fitMsMedian = median(cases.map(\.seconds)) * 1000
    }

    func printTable() {
        print("bench fit — \(faces) synthetic faces (seed \(seed)), \(model)")
        print(
            String(format: "per-vertex error, face skin (mm)   median %.2f   mean %.2f", fittedMedianMm, fittedMeanMm))
        print(
            String(
                format: "mean-face baseline (mm)            median %.2f   mean %.2f", baselineMedianMm, baselineMeanMm))
        print(String(format: "mean error vs baseline: %.0f %% lower", errorReduction * 100))
        print(
            String(
                format: "after similarity alignment (mm)    fitted mean %.2f   baseline mean %.2f   %.0f %% lower",
                alignedFittedMeanMm, alignedBaselineMeanMm, alignedErrorReduction * 100))
        print(String(format: "diagnostic oracle (true camera and expression given): mean %.2f mm", oracleMeanMm))
        print(
            String(
                format:
                    "  … told all but the face's size (the limit of one view): mean %.2f mm, %.0f %% below the mean face",
                sizeBlindOracleMeanMm, 100 * (1 - sizeBlindOracleMeanMm / baselineMeanMm)))
        print(String(format: "expression weight error (mean |Δβ|): %.3f", expressionError))
        print(String(format: "landmark reprojection (median, fraction of IOD): %.4f", reprojectionError))
        print(
            String(
                format: "fit time per face (median): %.2f ms; fitter set-up once per model: %.1f ms", fitMsMedian,
                setupMs))
    }
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct LandmarkBenchReport: Encodable {
    struct Row: Encodable {
        let megapixels: Double
        let width: Int
        let height: Int
        let detectionMs: Double
        let landmarksMs: Double
        let plainDetectionMs: Double
    }

    let photo: String
    let dlib: String
    let rows: [Row]
    let predictorLoadMs: Double
    let model: String
    let modelBytes: Int
    let modelLoadMs: Double
    let modelReadMs: Double

    func printTable() {
        print("bench landmarks — \(photo), dlib \(dlib), medians (ms)")
        print("size          detection  landmarks  plain dlib pass  detection / plain")
        for r in rows {
            let size = "\(r.width)×\(r.height)".padding(toLength: 13, withPad: " ", startingAt: 0)
            print(
                "\(size) \(f(r.detectionMs, 9))  \(f(r.landmarksMs, 9))  \(f(r.plainDetectionMs, 15))  \(f(r.detectionMs / r.plainDetectionMs, 17, 2))"
            )
        }
        print("landmark predictor load: \(f(predictorLoadMs, 0)) ms")
        print(
            "model \(model) (\(modelBytes / 1_000_000) MB): load (mmap + CRC-32 + decode) \(f(modelLoadMs, 0, 2)) ms, "
                + "plain read \(f(modelReadMs, 0, 2)) ms, ratio \(f(modelLoadMs / modelReadMs, 0, 2))")
    }

    private func f(_ v: Double, _ width: Int, _ decimals: Int = 1) -> String {
        let s = String(format: "%.\(decimals)f", v)
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }
}

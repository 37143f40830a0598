import ArgumentParser
import Formats
import Foundation
import Reconstruct

extension BenchCommand {
    /// `facedetail bench detail`: dfdn, sfs and none on held-out synthetic faces whose relief is known.
    struct DetailBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "detail",
            abstract: "Detail synthesizers against known relief on held-out synthetic faces.",
            discussion: """
                Faces: SyntheticDetailPair seeds 2^40 + k (never used in training). Scores on the \
                seen texels, high-passed (docs/details.md): correlation with the truth, least-squares \
                amplitude slope, false relief (RMS on flat confounder marks over the truth's wrinkle \
                RMS). Times: synthesize() on the 256² texture, and again on a 2048² texture (the \
                detail step at the pipeline's default output), each synthesizer beside sfs in the same run.
                """)

        @Option(help: "Held-out faces.") var faces = 50
        @Option(help: "Synthesizers, comma-separated.") var synthesizers = "dfdn,sfs,none"
        @Option(help: "Weights of dfdn (default $\(LearnedDetail.environmentVariable), else weights/dfdn.safetensors).")
        var detailWeights: String?
        @Option(help: "Runs of the 2048² timing; medians are reported.") var runs = 3
        @Option(
            parsing: .upToNextOption,
            help: "Real photos: every face is reconstructed and its photometric error reported (no truth there).")
        var photos = ["../shared/photos/astronaut.png", "../shared/photos/group.jpg"]
        @Flag(help: "Skip the real photos.") var skipPhotos = false
        @OptionGroup var landmarkModel: LandmarkModelOptions
        @OptionGroup var model: ModelOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            let loaded = try ModelFile.load(model.url)
            let weights = detailWeights.map { URL(fileURLWithPath: $0) }
            let chosen = try synthesizers.split(separator: ",").map { id -> any DetailSynthesizer in
                guard let s = DetailSynthesizers.named(String(id)) else {
                    throw ValidationError(
                        "no detail synthesizer '\(id)' (known: \(DetailSynthesizers.ids.joined(separator: ", ")))")
                }
                return try s.prepared(weights: weights)
            }
            let generator = SyntheticDetailPair.Generator(model: loaded)
            let scores = try DetailBenchmark.run(chosen, generator: generator, faces: faces) { done, total in
                FileHandle.standardError.write(Data("\rface \(done)/\(total)".utf8))
            }
            FileHandle.standardError.write(Data("\n".utf8))
            let large = try timeAt2048(chosen, generator: generator)
            var macs: [String: Int] = [:]
            if chosen.contains(where: { $0.id == "dfdn" }) {
                let url = weights ?? LearnedDetail.defaultURL()
                macs["dfdn"] = try DetailNet(contentsOf: url).multiplyAdds
            }
            var real: [RealPhotoDetailScore] = []
            if !skipPhotos {
                let pipeline = try landmarkModel.proxyPipeline(modelFile: model.url)
                real = try RealPhotoDetailScore.score(
                    chosen, photos: photos.map { URL(fileURLWithPath: $0) }, reconstructor: pipeline.proxyStage
                ) { FileHandle.standardError.write(Data("real photo \($0)\n".utf8)) }
            }
            let result = DetailBenchReport(
                faces: faces, scores: scores, seconds2048: large, multiplyAdds: macs, realPhotos: real)
            if report.json { print(try JSONOutput.encode(result)) } else { result.printTable() }
        }

        /// Median seconds of synthesize() per synthesizer with the first held-out face's texture
        /// enlarged (nearest) to 2048², the grid 256 as the pipeline picks for a 256-pixel-wide face.
        func timeAt2048(_ chosen: [any DetailSynthesizer], generator: SyntheticDetailPair.Generator) throws
            -> [String: [Double]]
        {
            let pair = generator.pair(seed: DetailBenchmark.firstSeed)
            let f = 2048 / pair.size
            var big = Image<UInt8>(width: 2048, height: 2048, channels: 4)
            for y in 0..<2048 {
                for x in 0..<2048 {
                    let s = 4 * ((y / f) * pair.size + x / f)
                    for c in 0..<4 { big.pixels[4 * (y * 2048 + x) + c] = pair.texture.pixels[s + c] }
                }
            }
            let input = DetailInput(texture: big, proxy: pair.mesh, rotation: pair.rotation, workingSize: pair.size)
            let clock = ContinuousClock()
            var out: [String: [Double]] = [:]
            for s in chosen {
                for _ in 0..<max(1, runs) {
                    let start = clock.now
                    _ = try s.synthesize(input)
                    out[s.id, default: []].append((clock.now - start).seconds)
                }
            }
            return out
        }
    }
}

/// What `bench detail` prints.
struct DetailBenchReport: Encodable {
    let faces: Int
    let scores: [DetailBenchmark.Score]
    /// Seconds per run of the detail step at 2048², per synthesizer.
    let seconds2048: [String: [Double]]
    /// Multiply–adds per photo of network synthesizers.
    let multiplyAdds: [String: Int]
    let realPhotos: [RealPhotoDetailScore]

    func printTable() {
        print("bench detail: \(faces) held-out synthetic faces (seeds 2^40 + k), seen texels, high-passed")
        print(
            "synthesizer  correlation  slope   false relief  per-face corr (min–max)  s/face (256²)   s at 2048² (× sfs)  GMAC"
        )
        let sfs = seconds2048["sfs"].map(median)
        for s in scores {
            let big = seconds2048[s.synthesizer].map(median)
            let ratio = big.flatMap { b in sfs.map { String(format: "%.2f", b / $0) } } ?? "–"
            print(
                String(
                    format: "%-11@  %11.3f  %5.2f  %12.3f  %10.2f–%-12.2f  %13.3f   %6.3f (%@)  %@", s.synthesizer,
                    s.correlation, s.slope, s.falseRelief, s.faceCorrelations.min() ?? 0,
                    s.faceCorrelations.max() ?? 0, median(s.seconds), big ?? 0, ratio,
                    multiplyAdds[s.synthesizer].map { String(format: "%.2f", Double($0) / 1e9) } ?? "–"))
        }
        guard !realPhotos.isEmpty else { return }
        print(
            "real photos: photometric RMS (linear RGB) of the proxy and of the detailed surface; texels at the ±4 mm clamp"
        )
        print("face              synthesizer  proxy    detailed  reduction  at clamp  seconds")
        for r in realPhotos {
            print(
                String(
                    format: "%-17@ %-11@  %.4f   %.4f    %5.1f %%    %5.2f %%   %.2f", r.face, r.synthesizer,
                    r.proxyError, r.detailedError, 100 * r.reduction, 100 * r.clampShare, r.seconds))
        }
    }
}

import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail bench reconstruct`: the whole pipeline per stage at several texture sizes.
struct ReconstructBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Per-stage and total reconstruct times at 1024², 2048² and 4096², and peak memory.",
        discussion: """
            Each size runs the photo through the full pipeline with reconstruct's defaults (the emotion \
            prior, the dense fit, --detail dfdn, --subdiv 2, formats fbx,obj,glb, maps png) into memory, \
            without the final folder write. `maps+mesh` is \
            the normal maps and the subdivided, displaced mesh (side by side on two cores); \
            `outputs` is encoding every file (two at a time). Baseline: the proxy stages alone (load → unwrap, \
            the prior and both fits included) of the same run, \
            so `total / proxy` is the price of the detail. Peak memory is the process's maximum \
            resident set so far (getrusage), so the largest size's figure is its own peak.
            """)

    @Option(help: "Photo with one face.") var photo = "samples/astronaut.png"
    @Option(help: "Texture sizes, comma-separated.") var sizes = CommaSeparated([1024, 2048, 4096])
    @Option(help: "Runs per size; the median of each stage is reported.") var runs = 3
    @OptionGroup var model: ModelOptions
    @OptionGroup var landmarkModel: LandmarkModelOptions
    @OptionGroup var report: ReportOptions

    struct Row: Encodable {
        let size: Int
        let stages: [String: Double]
        let proxySeconds: Double
        let totalSeconds: Double
        let peakResidentMegabytes: Double
    }

    func run() throws {
        var rows: [Row] = []
        var pipeline: ReconstructionPipeline?
        for size in sizes.values {
            var options = ReconstructionOptions()
            options.region = model.region
            options.uvSize = size
            // The model and the landmark predictor are loaded once; each size reuses them.
            pipeline =
                try pipeline?.reconfigured(options)
                ?? ReconstructionPipeline(
                    options: options, modelFile: model.url, landmarkModel: landmarkModel.url,
                    faces: landmarkModel.finderOptions(), detectorModel: landmarkModel.detectorURL)
            var samples: [[String: Double]] = []
            for _ in 0..<max(1, runs) { samples.append(try measure(pipeline!)) }
            let stages = Dictionary(
                uniqueKeysWithValues: samples[0].keys.map { key in (key, median(samples.map { $0[key]! })) })
            let proxy = Self.proxyStages.reduce(0) { $0 + stages[$1]! }
            rows.append(
                Row(
                    size: size, stages: stages, proxySeconds: proxy, totalSeconds: stages.values.reduce(0, +),
                    peakResidentMegabytes: peakResidentMegabytes()))
            if !report.json { FileHandle.standardError.write(Data("bench reconstruct: \(size)² done\n".utf8)) }
        }
        if report.json { print(try JSONOutput.encode(rows)) } else { printTable(rows) }
    }

    /// The stages up to the texture, in pipeline order.
    static let proxyStages = ["load", "detection", "landmarks", "prior", "fit", "denseFit", "unwrap"]

    private func measure(_ pipeline: ReconstructionPipeline) throws -> [String: Double] {
        let result = try pipeline.reconstruct(URL(fileURLWithPath: photo))
        let clock = ContinuousClock()
        let start = clock.now
        try pipeline.writer.write(result, to: MemorySink())
        let t = result.timings.proxy
        let d = result.timings.detail!
        return [
            "load": t.load, "detection": t.detection, "landmarks": t.landmarks, "prior": t.prior, "fit": t.fit,
            "denseFit": t.denseFit, "unwrap": t.unwrap,
            "detail": d.detail, "maps+mesh": d.wall - d.detail, "outputs": (clock.now - start).seconds,
        ]
    }

    private func printTable(_ rows: [Row]) {
        let order = Self.proxyStages + ["detail", "maps+mesh", "outputs"]
        print(
            "photo \(photo), \(runs) runs per size, median seconds per stage (\(ProcessInfo.processInfo.activeProcessorCount) cores)"
        )
        print(
            ([String(repeating: " ", count: 6)] + order.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }
                + ["total", "total/proxy", "peak MB"]).joined(separator: " "))
        for row in rows {
            let cells = order.map { String(format: "%-10.3f", row.stages[$0]!) }
            print(
                (["\(row.size)".padding(toLength: 6, withPad: " ", startingAt: 0)] + cells
                    + [
                        String(format: "%.2f", row.totalSeconds),
                        String(format: "%10.1f×", row.totalSeconds / row.proxySeconds),
                        String(format: "%.0f", row.peakResidentMegabytes),
                    ]).joined(separator: " "))
        }
    }

    private func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

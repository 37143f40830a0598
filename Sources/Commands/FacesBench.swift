import ArgumentParser
import Formats
import Foundation
import Neural
import Reconstruct

extension BenchCommand {
    struct FacesBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "faces",
            abstract: "Face detection robustness and speed: cnn and hog on a generated set (see docs/landmarks.md).",
            discussion: """
                The set is generated from the photos by benchmarks/faces/generate.py (rolls, scales, \
                photometric changes, a 24 MP upscale, a 10000 × 600 strip, several faces at once). \
                References: each un-augmented photo's faces (HOG box, dlib's predictor), carried through \
                the known transform. Speed baseline: dlib's own CPU forward pass of the same network \
                on the same image, in the same run.
                """)

        @Option(help: "Folder of source photos.") var photos = "../shared/photos"
        @Option(help: "Folder for the generated set (made when it has no manifest.json).") var set = "out/bench-faces"
        @Option(help: "The set's generator.") var script = "benchmarks/faces/generate.py"
        @Flag(help: "Generate the set again even when it exists.") var regenerate = false
        @Option(help: "Images (by file name) timed against dlib's own forward pass.")
        var speedImages = "astronaut-roll+00.png,group-roll+00.png,astronaut-iod160.png"
        @Option(help: "Runs per speed image; medians are reported.") var runs = 3
        @Flag(help: "Also fit the CNN → HOG box framing on the upright images and print it.") var fitFraming = false
        @Flag(help: "Only the speed rows (the set must exist).") var speedOnly = false
        @Flag(inversion: .prefixedNo, help: "Frame CNN faces by HOG's box where HOG finds them.") var hogFraming = true
        @Flag(inversion: .prefixedNo, help: "Refine landmarks from the first prediction (turned level, re-framed).")
        var refine = true
        @OptionGroup var landmarkModel: LandmarkModelOptions
        @OptionGroup var report: ReportOptions

        func run() throws {
            let cnn = try CNNFaceDetector(contentsOf: landmarkModel.detectorURL)
            let predictor = try LandmarkPredictor(contentsOf: landmarkModel.url)
            var options = FaceFinder.Options(allFaces: true, detector: .cnn)
            options.refineLandmarks = refine
            options.hogFraming = hogFraming
            let cnnFinder = try FaceFinder(
                detector: HOGFaceDetector(), cnn: cnn, predictor: predictor, options: options)
            options.detector = .hog
            let hogFinder = try FaceFinder(detector: HOGFaceDetector(), predictor: predictor, options: options)

            let photoFolder = URL(fileURLWithPath: photos)
            let sources = try FileManager.default.contentsOfDirectory(atPath: photos)
                .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            var references: [String: [Landmarks68]] = [:]
            for name in sources {
                references[name] = try hogFinder.faces(in: Photo.load(from: photoFolder.appendingPathComponent(name)))
                    .map(\.landmarks)
            }
            let setFolder = URL(fileURLWithPath: set)
            let manifestURL = setFolder.appendingPathComponent("manifest.json")
            if regenerate || !FileManager.default.fileExists(atPath: manifestURL.path) {
                try generate(references: references, into: setFolder)
            }
            let manifest = try JSONDecoder().decode(FaceBenchmark.Manifest.self, from: Data(contentsOf: manifestURL))

            var rows: [FacesBenchReport.ImageRow] = []
            var framing: [FaceBenchmark.FramingSample] = []
            for (k, image) in manifest.images.enumerated() where !speedOnly {
                let photo = try Photo.load(from: setFolder.appendingPathComponent(image.file))
                let expected = references[image.source] ?? []
                var row = FacesBenchReport.ImageRow(image: image)
                for (name, finder) in [("cnn", cnnFinder), ("hog", hogFinder)] {
                    var timings = FaceFinder.Timings()
                    let found = (try? finder.search(in: photo, timings: &timings).faces) ?? []
                    let outcomes = FaceBenchmark.score(found: found, references: expected, placements: image.placements)
                    row.add(
                        name, outcomes: outcomes, seconds: timings.detection + timings.landmarks, found: found.count)
                }
                if fitFraming && !image.family.hasPrefix("roll") && image.family != "10000" {
                    framing += try FaceBenchmark.framingSamples(photo, cnn: cnn, finder: hogFinder)
                }
                rows.append(row)
                progress("[\(k + 1)/\(manifest.images.count)] \(image.file): \(row.line)")
            }
            var speed: [FacesBenchReport.SpeedRow] = []
            for file in speedImages.split(separator: ",").map(String.init) {
                let photo = try Photo.load(from: setFolder.appendingPathComponent(file))
                speed.append(try measureSpeed(photo, name: file, cnn: cnn, finder: cnnFinder))
                progress("timed \(file): \(speed.last!.line)")
            }
            let fitted = fitFraming ? FaceBenchmark.fitFraming(framing) : nil
            let result = FacesBenchReport(
                rows: rows, speed: speed, framing: fitted.map { .init($0, samples: framing.count) })
            if report.json { print(try JSONOutput.encode(result)) } else { result.printTable() }
        }

        /// Writes references.json (each photo's faces: inter-ocular distance and centre) and runs the generator.
        private func generate(references: [String: [Landmarks68]], into folder: URL) throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            struct ReferenceFace: Encodable {
                let iod: Double
                let centre: [Double]
            }
            let summary = references.mapValues { faces in
                faces.map { f in
                    let c = f.centre(of: 0...67)
                    return ReferenceFace(iod: f.interocularDistance, centre: [c.x, c.y])
                }
            }
            let text = try StableJSON.encode(summary)
            let referencesURL = folder.appendingPathComponent("references.json")
            try Data(text).write(to: referencesURL)
            progress("generating the set in \(folder.path)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            process.arguments = ["--photos", photos, "--references", referencesURL.path, "--out", folder.path]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw ValidationError("\(script) failed with exit code \(process.terminationStatus)")
            }
        }

        /// Our network alone, the whole default face search (detection passes, framing and
        /// landmarks of the largest face), and dlib's forward pass, on one image.
        private func measureSpeed(_ photo: Photo, name: String, cnn: CNNFaceDetector, finder: FaceFinder) throws
            -> FacesBenchReport.SpeedRow
        {
            let clock = ContinuousClock()
            var network: [Double] = []
            var whole: [Double] = []
            var stages: [[Double]] = []
            _ = try cnn.detect(photo.rgb)  // warm the buffers
            for _ in 0..<runs {
                let start = clock.now
                _ = try cnn.detect(photo.rgb)
                network.append((clock.now - start).seconds)
                stages.append(cnn.lastStageSeconds)
                var timings = FaceFinder.Timings()
                var single = finder
                single.options.allFaces = false
                _ = try? single.search(in: photo, timings: &timings)
                whole.append(timings.detection + timings.landmarks)
            }
            let start = clock.now
            _ = try cnn.reference(photo.rgb)
            let dlib = (clock.now - start).seconds
            return .init(
                image: name, megapixels: Double(photo.width * photo.height) / 1e6, networkSeconds: network,
                searchSeconds: whole, dlibSeconds: dlib,
                stageMilliseconds: stages.first.map { first in
                    first.indices.map { i in median(stages.map { $0[i] }) * 1000 }
                }
                    ?? [])
        }

        private func progress(_ line: String) { FileHandle.standardError.write(Data("bench faces: \(line)\n".utf8)) }
    }
}

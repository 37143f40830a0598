import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail landmarks PHOTO...`: faces and their 68 landmarks, per photo.
struct LandmarksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landmarks",
        abstract: "Detect faces and their 68 landmarks (dlib HOG detector and shape predictor).",
        discussion: """
            Points follow the iBUG 68-point layout, 0-based, in pixels of the photo as stored (EXIF \
            orientation applied) with the origin at the top-left corner of the top-left pixel. \
            With -o DIR, each photo gives DIR/NAME.landmarks.json, plus NAME.pts (iBUG text, same \
            coordinates; NAME.faceK.pts per face with --all-faces) and NAME.landmarks.png (--debug). \
            A batch goes on past failures. Exit codes: 0 all photos done; 1 a photo could not be \
            read; 2 all photos read but at least one had no face; 64 bad command line.
            """)

    @OptionGroup var inputs: PhotoInputs
    @Option(name: .shortAndLong, help: "Folder for per-photo files.") var output: String?
    @OptionGroup var report: ReportOptions
    @Flag(help: "Also write iBUG .pts files (needs -o).") var pts = false
    @Flag(help: "Report every face, largest first, instead of the largest only.") var allFaces = false
    @Flag(help: "Also write an overlay PNG of boxes and points (needs -o).") var debug = false
    @Option(parsing: .unconditional, help: "Lowest HOG detector confidence (dlib SVM margin) taken as a face.")
    var minScore = 0.25
    @OptionGroup var landmarkModel: LandmarkModelOptions

    func validate() throws {
        try inputs.requirePhotos()
        if (pts || debug) && output == nil { throw ValidationError("--pts and --debug write files: give -o DIR") }
        if output?.isEmpty == true { throw ValidationError("-o/--output must name a folder (got an empty path)") }
        guard minScore.isFinite else { throw ValidationError("--min-score must be a number (got \(minScore))") }
    }

    func run() throws {
        let finder = try landmarkModel.finder(.init(allFaces: allFaces, minimumScore: minScore))
        var results: [PhotoLandmarks] = []
        let outcome = forEachPhoto(inputs.photos, uniqueNames: output != nil) { url, name in
            let photo = try Photo.load(from: url, limits: inputs.imageLimits.limits)
            var timings = FaceFinder.Timings()
            let search = try finder.search(in: photo, timings: &timings)
            let result = PhotoLandmarks(photo: photo, faces: search.faces, others: search.others)
            if let output { try write(result, photo: photo, name: name, to: URL(fileURLWithPath: output)) }
            results.append(result)
            if !report.json { Diagnostics.say(result.summary) }
        }
        if report.json { print(try JSONOutput.encode(results)) }
        try outcome.finish()
    }

    private func write(_ result: PhotoLandmarks, photo: Photo, name: String, to directory: URL) throws {
        try DirectorySink(directory: directory).committing { sink in
            try sink.write(try StableJSON.file(result), to: "\(name).landmarks.json")
            if pts {
                for (k, face) in result.faces.enumerated() {
                    let file = allFaces ? "\(name).face\(k).pts" : "\(name).pts"
                    try sink.write(Data(face.ibugPTS.utf8), to: file)
                }
            }
            if debug {
                let overlay = landmarkOverlay(on: photo, faces: result.detected)
                try FormatDescriptor.png.imageWriter!.write(
                    ImageAsset(image: .uint8(overlay)), fileName: "\(name).landmarks.png", to: sink)
            }
        }
    }
}

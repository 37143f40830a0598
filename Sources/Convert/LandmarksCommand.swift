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

    @Argument(help: "Photos: JPEG, PNG (8/16-bit), PPM/PGM, EXR.") var photos: [String]
    @Option(name: .shortAndLong, help: "Folder for per-photo files.") var output: String?
    @Flag(help: "Print JSON on stdout.") var json = false
    @Flag(help: "Also write iBUG .pts files (needs -o).") var pts = false
    @Flag(help: "Report every face, largest first, instead of the largest only.") var allFaces = false
    @Flag(help: "Also write an overlay PNG of boxes and points (needs -o).") var debug = false
    @Option(help: "Lowest detector confidence (dlib SVM margin) taken as a face.") var minScore = 0.25
    @Option(help: "dlib 68-point shape predictor (default $\(LandmarkPredictor.environmentVariable), else \(LandmarkPredictor.defaultPath)).")
    var landmarkModel: String?

    func validate() throws {
        if (pts || debug) && output == nil { throw ValidationError("--pts and --debug write files: give -o DIR") }
    }

    func run() throws {
        let finder: FaceFinder
        do {
            let predictor = try LandmarkPredictor(contentsOf: LandmarkPredictor.resolvedURL(explicit: landmarkModel))
            finder = try FaceFinder(detector: HOGFaceDetector(), predictor: predictor, options: .init(allFaces: allFaces, minimumScore: minScore))
        } catch {
            Diagnostics.fail(error)
        }
        var results: [PhotoLandmarks] = []
        let outcome = forEachPhoto(photos, uniqueNames: output != nil) { url, name in
            let photo = try Photo.load(from: url)
            let faces = try finder.faces(in: photo)
            let result = PhotoLandmarks(photo: photo, faces: faces)
            if let output { try write(result, photo: photo, name: name, to: URL(fileURLWithPath: output)) }
            results.append(result)
            if !json { print(result.summary) }
        }
        if json { print(try JSONOutput.encode(results)) }
        try outcome.finish()
    }

    private func write(_ result: PhotoLandmarks, photo: Photo, name: String, to directory: URL) throws {
        let sink = DirectorySink(directory: directory)
        do {
            try sink.write(Data((try JSONOutput.encode(result) + "\n").utf8), to: "\(name).landmarks.json")
            if pts {
                for (k, face) in result.faces.enumerated() {
                    let file = allFaces ? "\(name).face\(k).pts" : "\(name).pts"
                    try sink.write(Data(face.ibugPTS.utf8), to: file)
                }
            }
            if debug {
                let overlay = landmarkOverlay(on: photo, faces: result.detected)
                try FormatDescriptor.png.imageWriter!.write(ImageAsset(image: .uint8(overlay)), fileName: "\(name).landmarks.png", to: sink)
            }
            try sink.commit()
        } catch {
            sink.discard()
            throw error
        }
    }
}

/// What `landmarks` reports for one photo (JSON shape documented in docs/landmarks.md).
struct PhotoLandmarks: Encodable {
    struct Face: Encodable {
        let box: FaceBox
        let detectorBox: FaceBox
        let score: Double
        let rotation: Double
        let upsampled: Int
        let points: [[Double]]
        let interocularDistance: Double

        var ibugPTS: String {
            "version: 1\nn_points: 68\n{\n" + points.map { "\(fixed($0[0])) \(fixed($0[1]))" }.joined(separator: "\n") + "\n}\n"
        }
    }

    let image: String
    let width: Int
    let height: Int
    let faces: [Face]
    let detected: [DetectedFace]

    enum CodingKeys: String, CodingKey { case image, width, height, faces }

    init(photo: Photo, faces: [DetectedFace]) {
        image = photo.url.path
        width = photo.width
        height = photo.height
        detected = faces
        self.faces = faces.map { f in
            Face(box: f.box.rounded, detectorBox: f.detectorBox.rounded, score: round3(f.score), rotation: f.rotation,
                 upsampled: f.upsampled, points: f.landmarks.points.map { [round3($0.x), round3($0.y)] },
                 interocularDistance: round3(f.landmarks.interocularDistance))
        }
    }

    var summary: String {
        guard let first = faces.first else { return "\(image): no face" }
        let b = first.box
        return "\(image): \(faces.count) face\(faces.count == 1 ? "" : "s"); largest at (\(fixed(b.x)), \(fixed(b.y))) "
            + "\(fixed(b.width))×\(fixed(b.height)) px, score \(fixed(first.score)), inter-ocular \(fixed(first.interocularDistance)) px"
    }
}

/// Millipixel rounding keeps JSON short and stable without losing anything dlib resolves.
private func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
private func fixed(_ v: Double) -> String { String(format: "%.3f", v) }

extension FaceBox {
    fileprivate var rounded: FaceBox { FaceBox(x: round3(x), y: round3(y), width: round3(width), height: round3(height)) }
}

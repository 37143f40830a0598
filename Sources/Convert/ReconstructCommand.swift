import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail reconstruct PHOTO... -o OUT`: the proxy face, its texture, the detail maps, the
/// detailed mesh and the records (docs/reconstruct.md).
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Reconstruct a 3D face with fine detail from each photo.",
        discussion: """
            For PHOTO named NAME, writes OUT/NAME/: proxy.<ext> and detailed.<ext> per format, \
            texture.png (RGBA, alpha = visibility × facing), displacement.exr (float mm, outward +), \
            normal and detailed_normal maps (--maps), landmarks.json, manifest.json \
            (docs/reconstruct.md, docs/details.md). A folder appears complete or not at all, \
            replacing the previous one. A batch goes on past failures. Exit codes: 0 all photos \
            done; 1 a photo failed; 2 only faceless photos failed; 64 bad command line.
            """)

    @Argument(help: "Photos: JPEG, PNG, PPM/PGM, EXR.") var photos: [String]
    @Option(name: .shortAndLong, help: "Output folder; each photo gets OUT/NAME/.") var output: String
    @Option(help: "Mesh formats, comma-separated ids or extensions (fbx, obj, glb, gltf, dae, ply, stl, 3mf).")
    var formats = "fbx,obj,glb"
    @Option(help: "Texture size in texels, 512–4096.") var uvSize = 2048
    @Option(help: "Model part: face, head or full.") var region: RegionArgument = RegionArgument(region: .face)
    @Option(help: "Model file (default: $FACEDETAIL_MODEL_DIR or ./models, ict-REGION.fdmodel).") var model: String?
    @Option(help: "Length unit of unitless formats (OBJ, PLY, STL): mm, cm or m.") var units = UnitArgument(unit: .centimetre)
    @Flag(help: "Stop after the proxy: fitted mesh and texture, no detail maps or detailed mesh.") var proxyOnly = false
    @Option(help: "Detail synthesizer: sfs (shape from shading) or none (flat maps).") var detail = "sfs"
    @Option(help: "Map files, comma-separated: png (16-bit normal.png, displacement.png; the default), exr (half-float normal.exr); displacement.exr always.")
    var maps = "png"
    @Option(help: "Subdivision levels of the detailed mesh, 0–3 (each ×4 faces).") var subdiv = 2
    @Flag(help: "Also write debug.png: detected (red) and fitted (green) landmarks over the wireframe.") var debug = false
    @Flag(help: "Record per-stage wall-clock times in manifest.json (outputs then differ between runs).") var timings = false
    @Flag(help: "Print a JSON report on stdout.") var json = false
    @Option(help: "dlib 68-point shape predictor.") var landmarkModel: String?

    func validate() throws {
        guard DetailSynthesizers.named(detail) != nil else {
            throw ValidationError("--detail must be one of \(DetailSynthesizers.all.map(\.id).joined(separator: ", ")) (got \(detail))")
        }
        guard (0...3).contains(subdiv) else { throw ValidationError("--subdiv must be within 0…3") }
        _ = try mapKinds()
        guard (512...4096).contains(uvSize) else { throw ValidationError("--uv-size must be within 512…4096") }
        _ = try formatIDs()
    }

    func formatIDs() throws -> [String] {
        try formats.split(separator: ",").map { raw in
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            let registry = FormatRegistry.standard
            if let f = registry.format(id: name), f.canWrite, f.kind == .mesh { return f.id }
            if let f = registry.formats.first(where: { $0.kind == .mesh && $0.canWrite && $0.extensions.contains(name) }) { return f.id }
            throw ValidationError("--formats: '\(name)' is not a mesh format facedetail writes (see `facedetail formats`)")
        }
    }

    func mapKinds() throws -> Set<String> {
        let kinds = Set(maps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        guard !kinds.isEmpty, kinds.isSubset(of: ["exr", "png"]) else {
            throw ValidationError("--maps takes exr, png or exr,png (got \(maps))")
        }
        return kinds
    }

    func run() throws {
        let reconstructor: ProxyReconstructor
        let loaded: MorphableModel
        do {
            loaded = try ModelFile.load(modelURL())
            let predictor = try LandmarkPredictor(contentsOf: LandmarkPredictor.resolvedURL(explicit: landmarkModel))
            var options = ProxyReconstructor.Options()
            options.uvSize = uvSize
            reconstructor = ProxyReconstructor(finder: try FaceFinder(detector: HOGFaceDetector(), predictor: predictor),
                                               fitter: ProxyFitter(model: loaded), model: loaded, options: options)
        } catch {
            Diagnostics.fail(error)
        }
        var outputOptions = ReconstructionOutputs.Options()
        outputOptions.formats = try formatIDs()
        outputOptions.maps = try mapKinds()
        outputOptions.units = units.unit
        outputOptions.timingsInManifest = timings
        outputOptions.debugOverlay = debug
        let record = ["formats": outputOptions.formats.joined(separator: ","), "uvSize": "\(uvSize)", "region": region.region.rawValue,
                      "units": units.unit.symbol, "detail": proxyOnly ? "proxy-only" : detail,
                      "maps": outputOptions.maps.sorted().joined(separator: ","), "subdiv": "\(subdiv)"]
        let stage = proxyOnly ? nil : DetailStage(synthesizer: DetailSynthesizers.named(detail)!, subdivision: subdiv)
        var reports: [ReconstructReport] = []
        let outcome = forEachPhoto(photos, uniqueNames: true) { url, name in
            let result = try reconstructor.reconstruct(url)
            let landmarks = try JSONOutput.encode(ReconstructLandmarks(result: result)) + "\n"
            let products = try stage?.run(result, model: loaded)
            let files = try ReconstructionOutputs(result: result, detail: products, model: loaded, options: outputOptions,
                                         landmarkJSON: Array(landmarks.utf8), optionsRecord: record).files
            let folder = URL(fileURLWithPath: output).appendingPathComponent(name)
            try OutputFolder.publish(files, as: folder)
            let report = ReconstructReport(photo: url.path, folder: folder.path, files: files.map(\.name),
                                           reprojectionError: result.fit.reprojectionError, timings: result.timings,
                                           detailTimings: products?.timings,
                                           photometricError: products?.detail.photometricError.map { ["proxy": $0.proxy, "detailed": $0.detailed] })
            reports.append(report)
            if !json {
                print("\(url.path): \(folder.path)/ (\(files.count) files; landmark fit \(String(format: "%.1f", 100 * report.reprojectionError)) % of inter-ocular distance)")
            }
        }
        if json { print(try JSONOutput.encode(reports)) }
        try outcome.finish()
    }

    private func modelURL() -> URL {
        if let model { return URL(fileURLWithPath: model) }
        let folder = ProcessInfo.processInfo.environment["FACEDETAIL_MODEL_DIR"] ?? "models"
        return URL(fileURLWithPath: folder).appendingPathComponent("ict-\(region.region.rawValue).fdmodel")
    }
}

/// landmarks.json of a reconstruction: the detected face as `landmarks` reports it, plus where the
/// fitted model's landmark vertices project (pixels, same convention).
struct ReconstructLandmarks: Encodable {
    let image: String
    let width: Int
    let height: Int
    let face: PhotoLandmarks.Face
    let fitted: [[Double]]

    init(result: ProxyReconstructor.Result) {
        let detected = PhotoLandmarks(photo: result.photo, faces: [result.face])
        image = detected.image
        width = detected.width
        height = detected.height
        face = detected.faces[0]
        fitted = result.fit.fittedLandmarks.points.map { [($0.x * 1000).rounded() / 1000, ($0.y * 1000).rounded() / 1000] }
    }
}

struct ReconstructReport: Encodable {
    let photo: String
    let folder: String
    let files: [String]
    let reprojectionError: Double
    let timings: ProxyReconstructor.Timings
    let detailTimings: DetailStage.Timings?
    /// RMS linear-RGB error of the re-rendered proxy and detailed surface (docs/details.md).
    let photometricError: [String: Double]?
}

/// Publishes a whole folder at once: the files are written into a hidden sibling, then the
/// previous folder (if any) is moved aside, the new one renamed into place and the old one removed.
enum OutputFolder {
    static func publish(_ files: [(name: String, bytes: [UInt8])], as folder: URL) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).partial-\(getpid())")
        let previous = parent.appendingPathComponent(".\(folder.lastPathComponent).previous-\(getpid())")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try? fm.removeItem(at: staging)
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
            for file in files { try Data(file.bytes).write(to: staging.appendingPathComponent(file.name)) }
        } catch {
            try? fm.removeItem(at: staging)
            throw FormatError(.writeFailed, path: folder.path, "cannot write the outputs", cause: error.localizedDescription)
        }
        let hadPrevious = fm.fileExists(atPath: folder.path)
        if hadPrevious && rename(folder.path, previous.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? fm.removeItem(at: staging)
            throw FormatError(.writeFailed, path: folder.path, "cannot replace the previous outputs", cause: reason)
        }
        guard rename(staging.path, folder.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if hadPrevious { _ = rename(previous.path, folder.path) }
            try? fm.removeItem(at: staging)
            throw FormatError(.writeFailed, path: folder.path, "cannot publish the outputs", cause: reason)
        }
        if hadPrevious { try? fm.removeItem(at: previous) }
    }
}

import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail model`: import, inspect and sample the morphable face model.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Import, inspect and sample the morphable face model (.fdmodel).",
        subcommands: [
            ImportCommand.self, InfoCommand.self, SampleCommand.self, DictionaryCommand.self, FaceFinderCommand.self,
        ])

    struct ImportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import ICT-FaceKit's FaceXModel folder into a .fdmodel file (millimetres).")

        enum Source: String, ExpressibleByArgument, CaseIterable { case ict }

        @Argument(help: "Source kind (only ict: ICT-FaceKit, MIT licence).") var source: Source
        @Argument(help: "The FaceXModel folder.") var folder: String
        @Option(name: .shortAndLong, help: "Model file to write.") var output: String
        @Option(help: "Part of the topology to keep: face (9,409 vertices), head (+ back of head and neck), full.")
        var region: ICTImporter.Region = .face

        func run() throws {
            let started = Date()
            let importer = ICTImporter(folder: URL(fileURLWithPath: folder), region: region)
            let info = try importer.write(to: URL(fileURLWithPath: output)) {
                FileHandle.standardError.write(Data("\($0)\n".utf8))
            }
            print(
                "wrote \(output): \(info.region), \(info.vertexCount) vertices, \(info.polygonCount) polygons, "
                    + "\(info.identityCount) identity modes, \(info.expressionNames.count) expressions "
                    + "(\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
        }
    }

    struct FaceFinderCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "face-finder",
            abstract: "Write dlib's 68-point landmark predictor and HOG face detector as files that load at once.",
            discussion: """
                dlib's predictor file takes 1–2 s to parse and its compiled-in HOG detector 0.23 s to unpack, at \
                every start. This writes OUT/\(LandmarkForest.fileName) (memory-mapped; the same points) and \
                OUT/\(HOGFaceDetector.fileName) (unpacked; the same detector), which the other commands prefer.
                """)

        @Option(help: "dlib shape predictor to convert.") var landmarkModel = LandmarkPredictor.defaultPath
        @Option(name: .shortAndLong, help: "Folder to write into (default: $FACEDETAIL_MODEL_DIR or ./models).")
        var output = ModelFile.modelsFolder.path

        func run() throws {
            let folder = URL(fileURLWithPath: output)
            let forest = try LandmarkForest.importing(dlibFile: URL(fileURLWithPath: landmarkModel))
            let forestURL = folder.appendingPathComponent(LandmarkForest.fileName)
            try forest.write(to: forestURL)
            let l = forest.layout
            print(
                "wrote \(forestURL.path): \(l.parts) points, \(l.cascades) cascades of \(l.trees) trees with \(l.splits) "
                    + "splits, \(l.features) features (from \(landmarkModel), SHA-256 \(forest.sourceChecksum.prefix(12))…)"
            )
            let hogURL = folder.appendingPathComponent(HOGFaceDetector.fileName)
            try HOGFaceDetector(contentsOf: nil).save(to: hogURL)
            print("wrote \(hogURL.path): dlib \(dlibVersion)'s frontal HOG face detector, unpacked")
        }
    }

    struct InfoCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Print what a model file holds.")

        @Argument(help: "Model file.") var file: String
        @OptionGroup var report: ReportOptions

        func run() throws {
            let model = try ModelFile.load(URL(fileURLWithPath: file))
            let info = model.info
            let summary = ModelSummary(model: model)
            if report.json {
                print(try JSONOutput.encode(summary))
                return
            }
            let slots = info.expressionNames.count * info.vertexCount
            print(
                """
                \(file)
                  source        \(info.source) — \(info.license)
                  region        \(info.region)
                  units         \(info.units)
                  vertices      \(info.vertexCount)
                  polygons      \(info.polygonCount) (\(model.polygonSizes.filter { $0 == 4 }.count) quads, \(model.polygonSizes.filter { $0 == 3 }.count) triangles)
                  UVs           \(info.uvCount)
                  identity      \(info.identityCount) modes (coefficients ~ N(0, 1))
                  expressions   \(info.expressionNames.count): \(info.expressionNames.joined(separator: " "))
                  rig           \(summary.rigOffsets) offsets of 10⁻⁵ mm or more, \(String(format: "%.1f", 100 * Double(summary.rigOffsets) / Double(max(slots, 1)))) % of expressions × vertices (--rig)
                  materials     \(info.materials.joined(separator: " "))
                  landmarks     68 (iBUG), vertices \(model.landmarkVertices.map(String.init).joined(separator: " "))
                  contour       \(model.contourCandidates.right.count) right, \(model.contourCandidates.left.count) left candidates
                  regions
                """)
            for r in info.regions {
                print(
                    "    \(r.name.padding(toLength: 22, withPad: " ", startingAt: 0)) vertices \(r.firstVertex)…\(r.firstVertex + r.vertexCount - 1) (\(r.vertexCount)), polygons \(r.firstPolygon)…\(r.firstPolygon + r.polygonCount - 1) (\(r.polygonCount))"
                )
            }
        }
    }

    struct SampleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sample",
            abstract: "Write one instance of the model through any mesh writer.",
            discussion:
                "Identity coefficients are N(0, 1) draws from --seed (or zero: the mean face); expression weights are in [0, 1]."
        )

        enum IdentityChoice: String, ExpressibleByArgument, CaseIterable { case random, zero }

        @Argument(help: "Model file.") var file: String
        @Option(name: .shortAndLong, help: "Mesh file to write; the extension picks the format unless --to is given.")
        var output: String
        @Option(help: "Target format id (see `facedetail formats`).") var to: FormatID?
        @Option(help: "Identity: random (seeded) or zero.") var identity: IdentityChoice = .zero
        @Option(help: "Expression weights NAME=W, W in [0, 1], comma-separated, e.g. jawOpen=0.5,eyeBlink_L=1.")
        var expression: CommaSeparated<ExpressionWeight>?
        @Option(help: "Seed of the random identity.") var seed: UInt64 = 1
        @Flag(help: "Add the model's expressions as morph targets, --expression as their default weights.")
        var rig = false
        @OptionGroup var units: UnitOptions

        func run() throws {
            let model = try ModelFile.load(URL(fileURLWithPath: file))
            var alpha = [Float](repeating: 0, count: model.identityCount)
            if identity == .random {
                var random = SeededRandom(seed: seed)
                alpha = alpha.map { _ in Float(random.gaussian()) }
            }
            let beta = try expressionWeights(model)
            let asset = model.asset(identity: alpha, expression: beta, rigged: rig)
            let written = try FormatRegistry.standard.writeMesh(
                asset, to: URL(fileURLWithPath: output), formatID: to?.id,
                options: MeshWriteOptions(unitlessFormatUnit: units.units))
            print(
                "wrote \(written.files.map(\.path).joined(separator: ", ")) (\(written.format.id), \(asset.vertexCount) vertices, \(asset.faceCount) polygons)"
            )
        }

        private func expressionWeights(_ model: MorphableModel) throws -> [Float] {
            var beta = [Float](repeating: 0, count: model.expressionNames.count)
            for item in expression?.values ?? [] {
                guard let e = model.expressionIndex(named: item.name) else {
                    throw ValidationError(
                        "--expression: the model has no expression '\(item.name)'; see `facedetail model info`")
                }
                beta[e] = item.weight
            }
            return beta
        }
    }
}

/// One `--expression` item: a blendshape name and its weight in [0, 1].
struct ExpressionWeight: ExpressibleByArgument {
    let name: String
    let weight: Float

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, let w = Float(parts[1]), (0...1).contains(w) else { return nil }
        name = parts[0]
        weight = w
    }

    var defaultValueDescription: String { "\(name)=\(weight)" }
}

/// `model info --json`.
struct ModelSummary: Encodable {
    let info: ModelInfo
    let quads: Int
    let triangles: Int
    let landmarkVertices: [Int]
    let contourCandidates: [String: Int]
    /// Offsets in the expression rig (`MorphableModel.rig`): what `--rig` writes per mesh vertex.
    let rigOffsets: Int

    init(model: MorphableModel) {
        info = model.info
        quads = model.polygonSizes.filter { $0 == 4 }.count
        triangles = model.polygonSizes.filter { $0 == 3 }.count
        landmarkVertices = model.landmarkVertices
        contourCandidates = ["right": model.contourCandidates.right.count, "left": model.contourCandidates.left.count]
        rigOffsets = model.rig().reduce(0) { $0 + $1.indices.count }
    }
}

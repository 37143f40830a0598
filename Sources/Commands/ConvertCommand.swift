import ArgumentParser
import Formats
import Foundation

/// `facedetail convert IN OUT`: any registered format to any other of the same kind.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a mesh or image file to another format.",
        discussion: """
            Meshes: textures the input references are copied beside the output under the same \
            relative paths; a reference outside the input's folder is refused. Warnings say what the \
            target format cannot keep. Images: EXR ↔ PNG; --range R maps floats in [-R, R] onto \
            16-bit [0, 65535] and back. Outputs appear all at once or not at all.
            """)

    @Argument(help: "Input file.") var input: String
    @Argument(help: "Output file; its extension picks the format unless --to is given.") var output: String
    @Option(help: "Target format id (see `facedetail formats`).") var to: FormatID?
    @OptionGroup var units: UnitOptions
    @Flag(help: "Split quads into triangles.") var triangulate = false
    @Flag(help: "Replace normals by smooth area-weighted ones.") var generateNormals = false
    @Option(parsing: .unconditional, help: "Half-width R of the float range [-R, R] mapped onto 16-bit integers.")
    var range: Float?
    @OptionGroup var report: ReportOptions
    @OptionGroup var imageLimits: ImageLimitOptions

    func validate() throws {
        guard !input.isEmpty, !output.isEmpty else {
            throw ValidationError("the input and output paths must not be empty")
        }
        if let range, !(range.isFinite && range > 0) {
            throw ValidationError("--range must be a positive number (got \(range))")
        }
    }

    func run() throws {
        var options = Converter.Options()
        options.imageLimits = imageLimits.limits
        options.targetID = to?.id
        options.units = units.units
        options.triangulate = triangulate
        options.generateNormals = generateNormals
        options.range = range
        let result: Converter.Report
        do {
            result = try Converter().convert(
                URL(fileURLWithPath: input), to: URL(fileURLWithPath: output), options: options)
        } catch let error as FormatError {
            throw error.at(input)
        }
        for warning in result.warnings { Diagnostics.warn("\(input): \(warning)") }
        if report.json {
            print(try JSONOutput.encode(result))
        } else {
            let unit = result.unit.map { ", lengths in \($0)" } ?? ""
            Diagnostics.say("wrote \(result.files.joined(separator: ", ")) (\(result.format)\(unit))")
        }
    }
}

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
    @Option(help: "Length unit of unitless formats (OBJ, PLY, STL) when read and written: mm, cm or m.")
    var units: UnitArgument = UnitArgument(unit: .centimetre)
    @Flag(help: "Split quads into triangles.") var triangulate = false
    @Flag(help: "Replace normals by smooth area-weighted ones.") var generateNormals = false
    @Option(help: "Half-width R of the float range [-R, R] mapped onto 16-bit integers.") var range: Float?
    @Flag(help: "Print the report as JSON on stdout.") var json = false

    func run() throws {
        var options = Converter.Options()
        options.targetID = to?.id
        options.units = units.unit
        options.triangulate = triangulate
        options.generateNormals = generateNormals
        options.range = range
        let report: Converter.Report
        do {
            report = try Converter().convert(URL(fileURLWithPath: input), to: URL(fileURLWithPath: output), options: options)
        } catch let error as FormatError {
            Diagnostics.fail(error.at(input))
        }
        for warning in report.warnings { Diagnostics.warn("\(input): \(warning)") }
        if json {
            print(try JSONOutput.encode(report))
        } else {
            let unit = report.unit.map { ", lengths in \($0)" } ?? ""
            print("wrote \(report.files.joined(separator: ", ")) (\(report.format)\(unit))")
        }
    }
}

/// A format id, checked against the registry; `--help` lists the real ids.
struct FormatID: ExpressibleByArgument {
    let id: String
    init?(argument: String) {
        guard FormatRegistry.standard.format(id: argument)?.canWrite == true else { return nil }
        id = argument
    }
    static var allValueStrings: [String] { FormatRegistry.standard.writableIDs }
}

struct UnitArgument: ExpressibleByArgument {
    let unit: LengthUnit
    init(unit: LengthUnit) { self.unit = unit }
    init?(argument: String) {
        guard let unit = LengthUnit(symbol: argument) else { return nil }
        self.unit = unit
    }
    static var allValueStrings: [String] { LengthUnit.named.map(\.symbol) }
    var defaultValueDescription: String { unit.symbol }
}

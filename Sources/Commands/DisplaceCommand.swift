import ArgumentParser
import Formats
import Foundation
import Reconstruct

/// `facedetail displace MESH DISP.exr -o OUT`: subdivides any mesh and moves its vertices along
/// their normals by a displacement map over the face UV tile (DESIGN.md §3).
struct DisplaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "displace",
        abstract: "Subdivide a mesh and displace it by a displacement map (EXR, distance along the normal).",
        discussion: """
            Catmull–Clark subdivision for meshes with quads, Loop for all-triangle meshes; UVs are carried \
            through linearly, then each vertex moves along its normal by the map's value at its UV (bilinear; \
            map units from its 'units' attribute, default mm; (value − midlevel) × scale when those attributes \
            are present), times --scale. Vertices outside the face UV tile [0,1]² do not move. Normals are \
            recomputed. The output is written atomically; exit 1 on any error, with nothing written.
            """)

    @Argument(help: "Input mesh (any format facedetail reads).") var mesh: String
    @Argument(help: "Displacement map: one-channel float image, usually EXR.") var map: String
    @Option(name: .shortAndLong, help: "Output mesh; its extension picks the format unless --to is given.") var output:
        String
    @Option(help: "Subdivision levels, 0–3.") var subdiv = 1
    @Option(help: "Multiplier on the map's distances.") var scale: Float = 1
    @Option(help: "Target format id (see `facedetail formats`).") var to: FormatID?
    @OptionGroup var units: UnitOptions
    @OptionGroup var report: ReportOptions

    func validate() throws {
        guard (0...3).contains(subdiv) else { throw ValidationError("--subdiv must be 0, 1, 2 or 3 (got \(subdiv))") }
        guard scale.isFinite else { throw ValidationError("--scale must be a finite number") }
    }

    func run() throws {
        let displacement = try DisplacementMap(contentsOf: URL(fileURLWithPath: map))
        var options = Converter.Options()
        options.targetID = to?.id
        options.units = units.units
        let (levels, gain) = (subdiv, scale)
        options.transform = { asset in
            var out = asset
            let unit = asset.unit ?? .millimetre
            out.meshes = asset.meshes.map {
                Subdivision.subdivided($0, levels: levels).displaced(by: displacement, gain: gain, meshUnit: unit)
            }
            return out
        }
        let result: Converter.Report
        do {
            result = try Converter().convert(
                URL(fileURLWithPath: mesh), to: URL(fileURLWithPath: output), options: options)
        } catch let error as FormatError {
            throw error.at(mesh)
        }
        for warning in result.warnings { Diagnostics.warn("\(mesh): \(warning)") }
        if report.json {
            print(try JSONOutput.encode(result))
        } else {
            Diagnostics.say(
                "wrote \(result.files.joined(separator: ", ")) (\(result.vertices ?? 0) vertices, \(result.triangles ?? 0) triangles, \(result.format), lengths in \(result.unit ?? "?"))"
            )
        }
    }
}

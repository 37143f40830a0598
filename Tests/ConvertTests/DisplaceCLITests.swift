import Foundation
import TestSupport
import Testing

@testable import Formats

/// `facedetail displace` and `normalmap` from files, as an asset build would call them.
@Suite struct DisplaceCLITests {
    /// A 2 × 2-quad plane (mm) with a constant 0.5 mm map: one Catmull–Clark level gives
    /// 9 + 12 + 4 vertices and 16 quads, every vertex 0.5 mm above the plane (normals +z), read
    /// back from OBJ. A map that is not one float channel fails with the map's name, exit 1, and
    /// no output file.
    @Test func planeThroughObjAndExr() throws {
        let folder = try TemporaryFolder()
        var positions: [SIMD3<Float>] = []
        var uvs: [SIMD2<Float>] = []
        for y in 0...2 {
            for x in 0...2 {
                positions.append(SIMD3(Float(x) * 10, Float(y) * 10, 0))
                uvs.append(SIMD2(Float(x) / 2, Float(y) / 2))
            }
        }
        var corners: [UInt32] = []
        for y in 0..<2 {
            for x in 0..<2 {
                let a = UInt32(y * 3 + x)
                corners += [a, a + 1, a + 4, a + 3]
            }
        }
        let plane = Mesh(
            positions: positions, uvs: uvs, faceSizes: [4, 4, 4, 4], faceVertexIndices: corners, faceUVIndices: corners)
        _ = try FormatRegistry.standard.writeMesh(
            Asset(meshes: [plane], unit: .millimetre), to: folder.file("plane.obj"),
            options: MeshWriteOptions(unitlessFormatUnit: .millimetre))
        let sink = DirectorySink(directory: folder.url)
        try OpenEXRCodec().write(
            ImageAsset(
                image: .float32(try Image(width: 4, height: 4, channels: 1, pixels: Array(repeating: 0.5, count: 16))),
                attributes: ["units": .string("mm")]), fileName: "d.exr", to: sink)
        try PNGCodec().write(
            ImageAsset(
                image: .uint8(try Image(width: 2, height: 2, channels: 3, pixels: Array(repeating: 9, count: 12)))),
            fileName: "rgb.png", to: sink)
        try sink.commit()
        let result = try CLI.run([
            "displace", folder.file("plane.obj").path, folder.file("d.exr").path, "-o", folder.file("out.obj").path,
            "--subdiv", "1", "--units", "mm",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let back = try #require(try FormatRegistry.standard.readerFormat(for: folder.file("out.obj")).meshReader)
            .readMesh(at: folder.file("out.obj"))
        let mesh = try #require(back.meshes.first)
        #expect(mesh.positions.count == 25 && mesh.faceCount == 16)
        #expect(mesh.positions.allSatisfy { abs($0.z - 0.5) < 1e-5 }, "\(mesh.positions.map(\.z))")

        let bad = try CLI.run([
            "displace", folder.file("plane.obj").path, folder.file("rgb.png").path, "-o", folder.file("bad.obj").path,
        ])
        #expect(bad.status == 1)
        #expect(
            bad.stderrLines.count == 1 && bad.stderr.contains("rgb.png") && bad.stderr.contains("one-channel"),
            "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("bad.obj").path))
        // The same plane and map through `normalmap`: a constant map is flat, (0, 0, 1) everywhere.
        let png = try CLI.run([
            "normalmap", folder.file("d.exr").path, "--mesh", folder.file("plane.obj").path, "-o",
            folder.file("n.png").path, "--units", "mm",
        ])
        #expect(png.status == 0, "\(png.stderr)")
        guard case .uint16(let normals) = try PNGCodec().readImage(at: folder.file("n.png")).image else {
            Issue.record("not 16-bit")
            return
        }
        #expect(
            normals.width == 4 && normals.channels == 3
                && normals.pixels == Array(repeating: [32768, 32768, 65535], count: 16).flatMap { $0 })
        let exr = try CLI.run([
            "normalmap", folder.file("d.exr").path, "--mesh", folder.file("plane.obj").path, "-o",
            folder.file("n.exr").path,
        ])
        #expect(exr.status == 0, "\(exr.stderr)")
        guard case .float16 = try OpenEXRCodec().readImage(at: folder.file("n.exr")).image else {
            Issue.record("not half")
            return
        }
        let noMap = try CLI.run([
            "normalmap", folder.file("missing.exr").path, "--mesh", folder.file("plane.obj").path, "-o",
            folder.file("m.png").path,
        ])
        #expect(
            noMap.status == 1 && noMap.stderr.contains("missing.exr")
                && !FileManager.default.fileExists(atPath: folder.file("m.png").path))
        let usage = try CLI.run([
            "displace", folder.file("plane.obj").path, folder.file("d.exr").path, "-o", folder.file("u.obj").path,
            "--subdiv", "5",
        ])
        #expect(usage.status == 64)
    }
}

import Foundation
import TestSupport
import Testing

@testable import Formats

/// Every mesh writer in the registry: write the reference asset, read it back through Assimp, and
/// compare what the format declares it keeps. USD, which Assimp 5.2.5 does not read, is read by
/// usd-core (`MorphTargetTests`); morph targets by Blender and usd-core there too.
@Suite struct MeshRoundTripTests {
    @Test(arguments: FormatRegistry.meshWriterIDs.filter { FormatRegistry.standard.format(id: $0)?.meshReader != nil })
    func roundTrip(formatID: String) throws {
        let format = FormatRegistry.standard.format(id: formatID)!
        let caps = format.capabilities
        let original = TestAssets.quadAndTriangle()
        let folder = try TemporaryFolder()
        let main = try writeAsset(original, format: formatID, into: folder.url)
        var back = try FormatRegistry.standard.readerFormat(for: main).meshReader!.readMesh(at: main)
        // Unitless formats were written in the default unit of MeshWriteOptions.
        if back.unit == nil { back.unit = MeshWriteOptions().unitlessFormatUnit }
        back = back.converted(to: .millimetre)

        #expect(back.vertexCount == original.vertexCount, "joined vertices")
        #expect(back.triangleCount == original.triangleCount)
        if caps.contains(.quads) { #expect(back.faceCount == original.faceCount, "quads stay quads") }
        let (a, b) = (original.bounds!, back.bounds!)
        let scale = max((a.max - a.min).max(), 1)
        for axis in 0..<3 {
            #expect(abs(a.min[axis] - b.min[axis]) <= 1e-5 * scale, "bounds min \(axis): \(a.min) vs \(b.min)")
            #expect(abs(a.max[axis] - b.max[axis]) <= 1e-5 * scale, "bounds max \(axis): \(a.max) vs \(b.max)")
        }
        #expect(back.meshes.allSatisfy { $0.hasUVs } == caps.contains(.uvs), "UV presence")
        if caps.contains(.uvs) {
            let want = Set(original.meshes[0].uvs.map { [$0.x, $0.y] })
            let got = Set(
                back.meshes.flatMap(\.uvs).map { [($0.x * 1e5).rounded() / 1e5, ($0.y * 1e5).rounded() / 1e5] })
            #expect(got == want, "UV values and seams")
        }
        if caps.contains(.normals) {
            #expect(back.meshes.allSatisfy { $0.hasNormals })
            let normals = back.meshes.flatMap(\.normals)
            #expect(normals.allSatisfy { abs($0.z - 1) < 1e-5 }, "normals point +Z")
        }
        if caps.contains(.baseColorTexture) {
            #expect(back.materials.contains { $0.baseColorTexture == TestAssets.albedoPath }, "\(back.materials)")
        }
        if caps.contains(.normalTexture) {
            #expect(back.materials.contains { $0.normalTexture == TestAssets.normalPath }, "\(back.materials)")
        }
        if caps.contains(.materials) {
            let names = Set(back.materials.map(\.name))
            #expect(names.isSuperset(of: ["skin", "plain"]), "material names: \(names)")
            // Collada holds a diffuse colour or a texture, not both: compare the untextured one.
            let plain = back.materials.first { $0.name == "plain" }
            #expect(
                plain.map { abs($0.baseColor.x - 0.2) < 1e-4 && abs($0.baseColor.z - 0.9) < 1e-4 } ?? false,
                "base colour")
        }
    }

    @Test(arguments: FormatRegistry.meshWriterIDs)
    func writesAreByteIdentical(formatID: String) throws {
        let asset = TestAssets.quadAndTriangle()
        let (first, second) = (MemorySink(), MemorySink())
        let format = FormatRegistry.standard.format(id: formatID)!
        try format.meshWriter!.write(
            asset, fileName: "a.\(format.primaryExtension)", to: first, options: MeshWriteOptions())
        try format.meshWriter!.write(
            asset, fileName: "a.\(format.primaryExtension)", to: second, options: MeshWriteOptions())
        #expect(first.order == second.order)
        #expect(first.files == second.files)
    }

    @Test func unitsFollowTheFormatConvention() throws {
        let folder = try TemporaryFolder()
        let original = TestAssets.quadAndTriangle()
        for (id, unit) in [("gltf2", LengthUnit.metre), ("fbx", .centimetre), ("collada", .metre)] {
            let main = try writeAsset(original, format: id, into: folder.url)
            let back = try FormatRegistry.standard.readerFormat(for: main).meshReader!.readMesh(at: main)
            #expect(back.unit == unit, "\(id) states its unit")
            // 20 mm wide in millimetres is 2 cm, 0.02 m.
            let width = back.bounds!.max.x - back.bounds!.min.x
            #expect(abs(Double(width) - 20 * LengthUnit.millimetre.factor(to: unit)) < 1e-6, "\(id) width \(width)")
        }
    }
}

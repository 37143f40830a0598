import Foundation
import TestSupport
import Testing

@testable import Formats

/// `convert` between EXR and PNG, with the --range mapping DESIGN.md sets for displacement maps.
@Suite struct ImageConversionTests {
    @Test func floatMapThroughSixteenBitPNGAndBack() throws {
        let folder = try TemporaryFolder()
        let r: Float = 2  // mm
        let values: [Float] = [-2, -1, 0, 0.5, 1.999, 2, 3, -7]  // the last two lie outside and clamp
        let sink = DirectorySink(directory: folder.url)
        try OpenEXRCodec().write(
            ImageAsset(
                image: .float32(try Image(width: 4, height: 2, channels: 1, pixels: values)),
                attributes: ["units": .string("mm")]), fileName: "d.exr", to: sink)
        try sink.commit()
        let toPNG = try CLI.run(["convert", folder.file("d.exr").path, folder.file("d.png").path, "--range", "2"])
        #expect(toPNG.status == 0, "\(toPNG.stderr)")
        #expect(toPNG.stderr.contains("2 values outside"), "clamping is reported: \(toPNG.stderr)")
        guard case .uint16(let png) = try PNGCodec().readImage(at: folder.file("d.png")).image else {
            Issue.record("expected a 16-bit PNG")
            return
        }
        let expected = values.map { v in UInt16((min(max((v + r) / (2 * r), 0), 1) * 65535).rounded()) }
        #expect(png.pixels == expected)
        let back = try CLI.run(["convert", folder.file("d.png").path, folder.file("back.exr").path, "--range", "2"])
        #expect(back.status == 0, "\(back.stderr)")
        guard case .float32(let exr) = try OpenEXRCodec().readImage(at: folder.file("back.exr")).image else { return }
        for (got, want) in zip(exr.pixels, values.map { min(max($0, -r), r) }) {
            #expect(abs(got - want) <= 2 * r / 65535, "\(got) vs \(want)")
        }
    }

    @Test func imagesAndMeshesDoNotMix() throws {
        let folder = try TemporaryFolder()
        let result = try CLI.run(["convert", Samples.astronaut.path, folder.file("x.fbx").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot convert an image"), "\(result.stderr)")
        #expect(folder.listing().isEmpty)
    }
}

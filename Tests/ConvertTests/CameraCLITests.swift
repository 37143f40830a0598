import Foundation
import TestSupport
import Testing

@Suite struct CameraCLITests {
    /// group.jpg with an EXIF segment recording an 85 mm (35 mm-equivalent) lens: the default fit
    /// is the pinhole at the EXIF focal length (focalSource "exif", f = 85 mm × the image diagonal /
    /// 43.27 mm, f = s·D); `--camera orthographic` is weak perspective; `--focal-length` overrides
    /// EXIF; a focal length with the orthographic camera is refused before anything is written.
    @Test func perspectiveFitTakesTheFocalLengthFromExifOrTheOption() throws {
        let folder = try TemporaryFolder()
        let original = try [UInt8](Data(contentsOf: Repository.groupJPEG))
        let photo = folder.file("group.jpg")
        try Data(Array(original[0..<2]) + Self.exifFocalLength(85) + Array(original[2...])).write(to: photo)
        func camera(_ arguments: [String], run: String) throws -> [String: Any] {
            let out = folder.file(run)
            let result = try CLI.run(
                ["reconstruct", photo.path, "-o", out.path, "--proxy-only", "--uv-size", "512", "--formats", "obj"]
                    + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let manifest = try Data(contentsOf: out.appendingPathComponent("group/manifest.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
            return try #require(json["camera"] as? [String: Any])
        }
        let orthographic = try camera(["--camera", "orthographic"], run: "o")
        #expect(orthographic["model"] as? String == "orthographic" && orthographic["focalPixels"] == nil)
        let exif = try camera([], run: "e")
        #expect(exif["model"] as? String == "perspective" && exif["focalSource"] as? String == "exif")
        #expect(exif["equivalentFocalMillimetres"] as? Double == 85)
        let input = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: folder.file("e/group/manifest.json")))
                as? [String: Any])?["input"] as? [String: Any])
        let (w, h) = (try #require(input["width"] as? Double), try #require(input["height"] as? Double))
        let focal = try #require(exif["focalPixels"] as? Double)
        #expect(abs(focal - 85 * (w * w + h * h).squareRoot() / (36.0 * 36 + 24 * 24).squareRoot()) < 1e-6)
        let scale = try #require(exif["scalePixelsPerMillimetre"] as? Double)
        let distance = try #require(exif["distanceMillimetres"] as? Double)
        #expect(abs(scale * distance - focal) < 1e-6 * focal)
        let option = try camera(["--focal-length", "35"], run: "f")
        #expect(option["focalSource"] as? String == "option" && option["equivalentFocalMillimetres"] as? Double == 35)
        let refused = try CLI.run([
            "reconstruct", photo.path, "-o", folder.file("x").path, "--camera", "orthographic", "--focal-length", "35",
        ])
        #expect(refused.status == 64 && refused.stderr.contains("--camera orthographic"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("x").path))
    }

    /// An APP1 segment: big-endian TIFF, IFD0 pointing to an Exif IFD that holds
    /// FocalLengthIn35mmFilm (0xA405, SHORT).
    static func exifFocalLength(_ millimetres: Int) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func u32(_ v: Int) -> [UInt8] { u16(v >> 16) + u16(v & 0xffff) }
        var tiff: [UInt8] = [0x4d, 0x4d] + u16(42) + u32(8)
        tiff += u16(1) + u16(0x8769) + u16(4) + u32(1) + u32(26) + u32(0)
        tiff += u16(1) + u16(0xa405) + u16(3) + u32(1) + u16(millimetres) + [0, 0] + u32(0)
        let body = Array("Exif".utf8) + [0, 0] + tiff
        return [0xff, 0xe1] + u16(body.count + 2) + body
    }
}

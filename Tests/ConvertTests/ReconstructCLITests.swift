import Formats
import Foundation
import TestSupport
import Testing

@Suite struct ReconstructCLITests {
    /// The astronaut through `reconstruct --proxy-only`: the contract's files, a fit within 4 % of
    /// the inter-ocular distance whose dense stage lowered the photometric error, a manifest whose
    /// checksums match the files, byte-identical folders from two runs; `--fit landmarks` is
    /// recorded as the landmark fit alone.
    @Test func astronautProxyIsCompleteAndDeterministic() throws {
        let folder = try TemporaryFolder()
        var contents: [[String: Data]] = []
        for run in ["a", "b"] {
            let result = try CLI.run([
                "reconstruct", Repository.astronaut.path, "-o", folder.file(run).path, "--proxy-only",
                "--uv-size", "1024", "--formats", "fbx,obj,glb", "--debug",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let out = folder.file(run).appendingPathComponent("astronaut")
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
                files[name] = try Data(contentsOf: out.appendingPathComponent(name))
            }
            contents.append(files)
        }
        #expect(contents[0] == contents[1])
        #expect(
            Set(contents[0].keys) == [
                "proxy.fbx", "proxy.obj", "proxy.mtl", "proxy.glb", "texture.png", "landmarks.json", "manifest.json",
                "debug.png",
            ])
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: contents[0]["manifest.json"]!) as? [String: Any])
        let fit = try #require(manifest["fit"] as? [String: Any])
        let error = try #require(fit["reprojectionErrorOfInterocular"] as? Double)
        #expect(error <= 0.04, "landmark reprojection \(error) of IOD")
        // The default dense fit explains the photo better than the landmark fit it starts from.
        #expect(fit["method"] as? String == "dense")
        let dense = try #require(fit["dense"] as? [String: Any])
        let before = try #require(dense["photometricBefore"] as? Double)
        let after = try #require(dense["photometricAfter"] as? Double)
        #expect(after < before, "photometric RMS \(before) -> \(after)")
        #expect(dense["converged"] as? Bool == true && (dense["steps"] as? Int ?? 0) > 0)
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.count == 7)
        for file in files {
            let name = try #require(file["name"] as? String)
            let bytes = try #require(contents[0][name])
            #expect(
                file["bytes"] as? Int == bytes.count && file["sha256"] as? String == SHA256.hex([UInt8](bytes)),
                "\(name)")
        }
        #expect(files.first { $0["name"] as? String == "proxy.fbx" }?["unit"] as? String == "cm")
        #expect(files.first { $0["name"] as? String == "proxy.glb" }?["unit"] as? String == "m")
        #expect(String(decoding: contents[0]["proxy.mtl"]!, as: UTF8.self).contains("map_Kd texture.png"))

        // --fit landmarks: the paper's fit alone, recorded as such.
        let landmarksOnly = try CLI.run([
            "reconstruct", Repository.astronaut.path, "-o", folder.file("l").path, "--proxy-only", "--uv-size", "512",
            "--formats", "obj", "--fit", "landmarks",
        ])
        #expect(landmarksOnly.status == 0, "\(landmarksOnly.stderr)")
        let landmarkManifest = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.file("l/astronaut/manifest.json"))) as? [String: Any])
        let landmarkFit = try #require(landmarkManifest["fit"] as? [String: Any])
        #expect(landmarkFit["method"] as? String == "landmarks" && landmarkFit["dense"] == nil)
    }

    /// A batch: an unreadable photo, a faceless one, a face too small to fit, then a good one.
    /// Each failure is one line naming its photo with nothing written; the good one is done.
    @Test func batchGoesOnPastBadPhotos() throws {
        let folder = try TemporaryFolder()
        try Data("not a photo".utf8).write(to: folder.file("broken.jpg"))
        var pixels: [UInt8] = []
        for y in 0..<200 { for x in 0..<300 { pixels += [UInt8(x % 256), UInt8(y), 90] } }
        try (Data("P6\n300 200\n255\n".utf8) + Data(pixels)).write(to: folder.file("wall.ppm"))
        let tiny = folder.file("tiny.ppm")
        try shrinkAstronaut(to: 190, writing: tiny)
        let out = folder.file("out")
        let inputs = [folder.file("broken.jpg"), folder.file("wall.ppm"), tiny, Repository.astronaut].map(\.path)
        let result = try CLI.run(
            ["reconstruct"] + inputs + ["-o", out.path, "--proxy-only", "--uv-size", "512", "--formats", "obj"])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 3, "\(result.stderr)")
        #expect(
            result.stderrLines.count == 3 && result.stderrLines[0].hasPrefix("error: \(inputs[0]):")
                && result.stderrLines[1].hasPrefix("error: \(inputs[1]): no face found")
                && result.stderrLines[2].hasPrefix("error: \(inputs[2]): the face is too small to fit"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["astronaut"])
    }

    /// The largest face is reconstructed; when another face is at least half its size (group.jpg)
    /// one warning on stderr says where both are, and a portrait (the astronaut) gets none.
    @Test func aSecondFaceOfSimilarSizeIsWarnedAbout() throws {
        let folder = try TemporaryFolder()
        let result = try CLI.run([
            "reconstruct", Repository.astronaut.path, Repository.groupJPEG.path, "-o", folder.file("out").path,
            "--proxy-only", "--uv-size", "512", "--formats", "obj",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        let line = String(result.stderrLines.first ?? "")
        #expect(line.hasPrefix("warning: \(Repository.groupJPEG.path): reconstructed the largest face ("), "\(line)")
        #expect(line.contains("but another face (") && line.contains("is at least half its size"), "\(line)")
    }

    /// A wrong id is refused by the parser, which lists the valid ones from the registries: exit 64
    /// and nothing written.
    @Test func badOptionsAreRefusedWithTheValidChoices() throws {
        let folder = try TemporaryFolder()
        let out = folder.file("out")
        let cases: [([String], [String])] = [
            (
                ["--formats", "nonsense"],
                FormatRegistry.standard.formats.filter { $0.kind == .mesh && $0.meshWriter != nil }.map(\.id)
            ),
            (["--formats", "fbx,nonsense"], ["fbx", "glb2", "collada"]), (["--maps", "tiff"], ["exr", "png"]),
            (["--detail", "magic"], ["sfs", "dfdn", "none"]), (["--subdiv", "4"], []), (["--uv-size", "100"], []),
        ]
        for (arguments, choices) in cases {
            let result = try CLI.run(["reconstruct", Repository.astronaut.path, "-o", out.path] + arguments)
            #expect(result.status == 64 && result.stderr.contains(arguments[0]), "\(arguments): \(result.stderr)")
            for id in choices {
                #expect(
                    result.stderr.contains("'\(id)'") || result.stderr.contains("- \(id)\n"), "\(arguments) lists \(id)"
                )
            }
        }
        #expect(folder.listing().isEmpty)
        let help = try CLI.run(["reconstruct", "--help"])
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(
            text.contains("values: fbx, obj, gltf2, glb2, usda, collada") && text.contains("values: sfs, dfdn, none"),
            "\(help.stdout)")
    }

    /// A photo that cannot be read: one line with its path and the decoder's own reason, exit 1.
    @Test func anUnreadablePhotoIsReportedOnceWithItsReason() throws {
        let folder = try TemporaryFolder()
        let photo = folder.file("cut.png")
        try Data(try Data(contentsOf: Repository.astronaut).prefix(4000)).write(to: photo)
        let result = try CLI.run(["reconstruct", photo.path, "-o", folder.file("out").path, "--proxy-only"])
        #expect(result.status == 1)
        let prefix = "error: \(photo.path): cannot be read as a photo: is not a readable PNG file: "
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix(prefix), "\(result.stderr)")
        #expect(
            result.stderrLines.first.map { $0.count > prefix.count + 3 } == true,
            "libpng's reason follows: \(result.stderr)")
        #expect(folder.listing() == ["cut.png"])
    }
}

/// The astronaut shrunk to `side` × `side` pixels (nearest sampling), as a binary PPM.
func shrinkAstronaut(to side: Int, writing url: URL) throws {
    guard case .uint8(let image) = try FormatDescriptor.png.imageReader!.readImage(at: Repository.astronaut).image
    else {
        throw CocoaError(.fileReadCorruptFile)
    }
    var pixels: [UInt8] = []
    for y in 0..<side {
        for x in 0..<side {
            let sx = x * image.width / side
            let sy = y * image.height / side
            for c in 0..<3 { pixels.append(image[sx, sy, c]) }
        }
    }
    try (Data("P6\n\(side) \(side)\n255\n".utf8) + Data(pixels)).write(to: url)
}

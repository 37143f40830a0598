import Foundation
import TestSupport
import Testing

@Suite struct LandmarksCLITests {
    /// Every damaged input gets one error line naming it, nothing is written for it, and the batch
    /// still does the good photo at the end.
    @Test func damagedPhotosFailOneByOneAndTheBatchGoesOn() throws {
        let folder = try TemporaryFolder()
        let jpeg = try Data(contentsOf: Repository.groupJPEG)
        try jpeg.prefix(jpeg.count / 3).write(to: folder.file("truncated.jpg"))
        var state: UInt64 = 42
        try Data(
            (0..<4096).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1
                return UInt8(state >> 56)
            }
        ).write(to: folder.file("random.jpg"))
        try Data().write(to: folder.file("empty.png"))
        try (Data("P6\n1 1\n255\n".utf8) + Data([200, 100, 50])).write(to: folder.file("tiny.ppm"))
        try FileManager.default.createDirectory(at: folder.file("folder.jpg"), withIntermediateDirectories: false)
        let bad = ["truncated.jpg", "random.jpg", "empty.png", "tiny.ppm", "folder.jpg", "missing.jpg"].map {
            folder.file($0).path
        }
        let out = folder.file("out")
        let result = try CLI.run(["landmarks"] + bad + [Repository.astronaut.path, "-o", out.path, "--pts"])
        #expect(result.status == 1 && !result.signalled)
        #expect(result.stderrLines.count == bad.count, "\(result.stderr)")
        for (path, line) in zip(bad, result.stderrLines) {
            #expect(line.hasPrefix("error: \(path): "), "\(line)")
        }
        #expect(result.stdout.contains("astronaut.png: 1 face"))
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(written == ["astronaut.landmarks.json", "astronaut.pts"])
    }

    @Test func aPhotoWithoutAFaceExitsWithTwo() throws {
        let folder = try TemporaryFolder()
        var pixels: [UInt8] = []
        for y in 0..<200 { for x in 0..<300 { pixels += [UInt8(x % 256), UInt8(y), 128] } }
        try (Data("P6\n300 200\n255\n".utf8) + Data(pixels)).write(to: folder.file("gradient.ppm"))
        let result = try CLI.run(["landmarks", folder.file("gradient.ppm").path, Repository.astronaut.path, "--json"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: \(folder.file("gradient.ppm").path): no face found: dlib's CNN detector found none upright, upsampled or turned ±40°\n"
        )
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        let faces = try #require(json?.first?["faces"] as? [[String: Any]])
        #expect(faces.count == 1 && (faces[0]["points"] as? [[Double]])?.count == 68)
    }

    /// Two runs give byte-identical files, and every file parses: JSON, 68-line .pts, overlay PNG.
    @Test func outputsAreIdenticalAcrossRuns() throws {
        let folder = try TemporaryFolder()
        var listings: [[String: Data]] = []
        for run in ["a", "b"] {
            let out = folder.file(run)
            let result = try CLI.run([
                "landmarks", Repository.groupJPEG.path, "--all-faces", "-o", out.path, "--pts", "--debug",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
                files[name] = try Data(contentsOf: out.appendingPathComponent(name))
            }
            listings.append(files)
        }
        #expect(listings[0] == listings[1])
        let names = listings[0].keys.sorted()
        #expect(names.contains("group.landmarks.json") && names.contains("group.landmarks.png"))
        let pts = names.filter { $0.hasSuffix(".pts") }
        #expect(pts.count >= 5 && pts.first == "group.face0.pts")
        let text = String(decoding: listings[0]["group.face0.pts"]!, as: UTF8.self)
        #expect(text.hasPrefix("version: 1\nn_points: 68\n{\n") && text.split(separator: "\n").count == 72)
    }

    @Test func aMissingLandmarkModelIsNamed() throws {
        let result = try CLI.run(["landmarks", Repository.astronaut.path, "--landmark-model", "/nonexistent/sp68.dat"])
        #expect(result.status == 1 && result.stderrLines.count == 1)
        #expect(result.stderr.hasPrefix("error: /nonexistent/sp68.dat: landmark model not found"))
    }

    /// A missing, truncated or foreign CNN detector file is one error line naming it and exit 1,
    /// with nothing written; `--detector hog` needs no such file.
    @Test func aBadDetectorFileIsNamedAndHOGNeedsNone() throws {
        let folder = try TemporaryFolder()
        let good = try Data(contentsOf: Repository.root.appendingPathComponent("models/mmod_human_face_detector.dat"))
        try good.prefix(100_000).write(to: folder.file("truncated.dat"))
        try Data(contentsOf: Repository.astronaut).write(to: folder.file("photo.dat"))
        for (name, message) in [
            ("missing.dat", "CNN face detector not found"),
            ("truncated.dat", "is not dlib's MMOD face detector network"),
            ("photo.dat", "is not dlib's MMOD face detector network"),
        ] {
            let path = folder.file(name).path
            let out = folder.file("out-\(name)")
            let result = try CLI.run([
                "landmarks", Repository.astronaut.path, "--detector-model", path, "-o", out.path,
            ])
            #expect(result.status == 1 && !result.signalled && result.stderrLines.count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("error: \(path): \(message)"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
        let hog = try CLI.run([
            "landmarks", Repository.astronaut.path, "--detector", "hog", "--detector-model",
            folder.file("missing.dat").path,
        ])
        #expect(hog.status == 0 && hog.stdout.contains("astronaut.png: 1 face"), "\(hog.stderr)")
    }

    @Test func debugAndPtsNeedAnOutputFolder() throws {
        let result = try CLI.run(["landmarks", Repository.astronaut.path, "--debug"])
        #expect(result.status == 64)
    }
}

@Suite struct ModelCLITests {
    @Test func infoSampleAndDamagedModel() throws {
        let folder = try TemporaryFolder()
        let model = Repository.model("face").path
        let info = try CLI.run(["model", "info", model, "--json"])
        #expect(info.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        let details = try #require(summary?["info"] as? [String: Any])
        #expect(details["vertexCount"] as? Int == 9409 && details["identityCount"] as? Int == 100)
        #expect((details["expressionNames"] as? [String])?.count == 53)
        // `model info` counts the rig: at least one offset per expression, at most one per vertex each.
        let offsets = summary?["rigOffsets"] as? Int ?? 0
        #expect(offsets > 53 && offsets <= 53 * 9409, "\(offsets) rig offsets")

        for name in ["a.fbx", "b.fbx"] {
            let r = try CLI.run([
                "model", "sample", model, "-o", folder.file(name).path, "--identity", "random", "--seed", "5",
                "--expression", "jawOpen=0.4,eyeBlink_R=1",
            ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(try Data(contentsOf: folder.file("a.fbx")) == Data(contentsOf: folder.file("b.fbx")))
        let unknown = try CLI.run([
            "model", "sample", model, "-o", folder.file("c.obj").path, "--expression", "frown=1",
        ])
        #expect(
            unknown.status == 64 && unknown.stderr.contains("frown")
                && !FileManager.default.fileExists(atPath: folder.file("c.obj").path))

        var bytes = try Data(contentsOf: Repository.model("face"))
        bytes[bytes.count - 100] ^= 1
        try bytes.write(to: folder.file("bad.fdmodel"))
        let refused = try CLI.run(["model", "sample", folder.file("bad.fdmodel").path, "-o", folder.file("d.obj").path])
        #expect(refused.status == 1 && refused.stderrLines.count == 1)
        #expect(refused.stderr.contains("bad.fdmodel: is damaged") && refused.stderr.contains("make setup"))
    }

    @Test func importOfAFolderThatIsNotICTFails() throws {
        let folder = try TemporaryFolder()
        let result = try CLI.run(["model", "import", "ict", folder.url.path, "-o", folder.file("m.fdmodel").path])
        #expect(result.status == 1 && result.stderr.contains("vertex_indices.json"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("m.fdmodel").path))
    }
}

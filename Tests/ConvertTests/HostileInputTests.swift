import Foundation
import TestSupport
import Testing

/// Issue 19, defects 1, 2, 8, 9, 11 and 12 through the command line: each a clear line naming
/// the file, a non-zero exit, nothing written.
@Suite struct HostileInputTests {
    static func expectRefused(_ result: CLI.Result, status: Int32 = 1, saying text: String, _ what: String) {
        #expect(!result.signalled, "\(what): crashed")
        #expect(result.status == status, "\(what): exit \(result.status), stderr: \(result.stderr)")
        #expect(result.stderr.contains(text), "\(what): \(result.stderr)")
    }

    /// A FIFO used to hang the run forever; devices and sockets read without end or not at all.
    @Test(arguments: ["convert", "reconstruct", "landmarks"])
    func nonRegularInputsAreRefused(command: String) throws {
        let work = try TemporaryFolder()
        let fifo = work.file("photo.png")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let arguments =
            command == "convert"
            ? ["convert", fifo.path, work.file("out/x.obj").path]
            : [command, fifo.path] + (command == "reconstruct" ? ["-o", work.file("out").path] : [])
        let result = try CLI.run(arguments)
        Self.expectRefused(result, saying: "photo.png: ", command)
        #expect(result.stderr.contains("is a FIFO, expected a regular file"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("out").path))
    }

    /// `-dash.png` was parsed as the cluster -d -a -s -h …, printed help and exited 0.
    @Test func aFileNameStartingWithADashIsNotTakenForOptions() throws {
        let work = try TemporaryFolder()
        let photo = work.file("-dash.png")
        try FileManager.default.copyItem(at: Samples.astronaut, to: photo)
        let refused = try CLI.run(["convert", "-dash.png", work.file("x.jpg").path])
        Self.expectRefused(refused, status: 64, saying: "put -- before it", "-dash.png")
        #expect(refused.stdout.isEmpty)
        // After --, it is a file name like any other.
        let converted = try CLI.run(["convert", "--", photo.path, work.file("x.exr").path])
        #expect(converted.status == 0, "\(converted.stderr)")
        let read = try CLI.run(["landmarks", "--detector", "hog", "--json", "--", photo.path])
        #expect(read.status == 0 && read.stdout.contains("-dash.png"), "\(read.stderr)")
    }

    @Test(arguments: [
        (["reconstruct", "PHOTO", "-o", ""], "-o/--output must name a folder"),
        (["reconstruct", "PHOTO", "-o", "OUT", "--uv-size", "-1"], "--uv-size must be within 512…4096 (got -1)"),
        (["reconstruct", "PHOTO", "-o", "OUT", "--formats", ""], "--formats"),
        (["reconstruct", "PHOTO", "-o", "OUT", "--max-pixels", "0"], "--max-pixels must be positive"),
        (["landmarks", "PHOTO", "--min-score", "nan"], "--min-score must be a number (got nan)"),
        (["convert", "PHOTO", ""], "the input and output paths must not be empty"),
        (["convert", "PHOTO", "OUT/x.png", "--range", "-2"], "--range must be a positive number (got -2.0)"),
    ])
    func badValuesAreRefusedClearly(arguments: [String], says: String) throws {
        let work = try TemporaryFolder()
        let filled = arguments.map {
            $0 == "PHOTO" ? Samples.astronaut.path : $0.replacingOccurrences(of: "OUT", with: work.file("out").path)
        }
        let result = try CLI.run(filled)
        Self.expectRefused(result, status: 64, saying: says, arguments.joined(separator: " "))
        #expect(!FileManager.default.fileExists(atPath: work.file("out").path))
    }

    /// A name of 249 bytes is legal (the limit is 255), but the staging suffixes took it over.
    @Test func longestLegalOutputNamesWork() throws {
        let work = try TemporaryFolder()
        let stem = String(repeating: "n", count: 245)
        let photo = work.file("\(stem).png")
        try FileManager.default.copyItem(at: Samples.astronaut, to: photo)
        let converted = try CLI.run(["convert", photo.path, work.file("out/\(stem).ppm").path, "--to", "png"])
        #expect(converted.status == 0, "\(converted.stderr)")
        let reconstructed = try CLI.run(["reconstruct", photo.path, "-o", work.file("out").path, "--proxy-only"])
        #expect(reconstructed.status == 0, "\(reconstructed.stderr)")
        #expect(work.listing().filter { $0.contains("/.") }.isEmpty, "\(work.listing())")
    }

    /// A terminal escape in a file name reaches the terminal as text, not as an instruction.
    @Test func escapesInFileNamesAreShownNotObeyed() throws {
        let work = try TemporaryFolder()
        let name = "red\u{1B}[31mface.png"
        try Data("not a png".utf8).write(to: work.file(name))
        let result = try CLI.run(["convert", work.file(name).path, work.file("x.exr").path])
        #expect(result.status == 1)
        #expect(!result.stderr.contains("\u{1B}") && result.stderr.contains("red\\x1b[31mface.png"), "\(result.stderr)")
    }

    /// `--json > /dev/full` reported success; results that were not delivered are a failure.
    @Test func aFailedWriteToStandardOutputIsAnError() throws {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["formats", "--json"]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("cannot write the results to standard output"), "\(stderr)")
    }

    /// `reconstruct --json` prints one JSON object per photo, a line each, as each one finishes.
    @Test func reconstructJSONIsJSONLines() throws {
        let work = try TemporaryFolder()
        try FileManager.default.copyItem(at: Samples.astronaut, to: work.file("a.png"))
        try FileManager.default.copyItem(at: Samples.astronaut, to: work.file("b.png"))
        let result = try CLI.run([
            "reconstruct", work.file("a.png").path, work.file("b.png").path, "-o", work.file("out").path,
            "--proxy-only", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for (line, name) in zip(lines, ["a.png", "b.png"]) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect((object?["photo"] as? String)?.hasSuffix(name) == true, "\(line)")
        }
    }

    /// A coordinate of ten million digits used to read as 0.0; a garbage `data:` image became a
    /// 6-byte PNG beside the output, or was carried into a GLB as it was.
    @Test func absurdNumbersAndGarbageImagesAreErrors() throws {
        let work = try TemporaryFolder()
        var obj = Data("v 0 0 0\nv 1 0 0\nv 0 ".utf8)
        obj.append(Data(repeating: UInt8(ascii: "7"), count: 10_000_000))
        obj.append(Data(" 0\nf 1 2 3\n".utf8))
        try obj.write(to: work.file("long.obj"))
        let long = try CLI.run(["convert", work.file("long.obj").path, work.file("out/x.fbx").path])
        Self.expectRefused(long, saying: "has a number of 10000000 characters on line 3", "long.obj")
        let made = try CLI.run(["convert", Samples.sphere.path, work.file("g/t.gltf").path])
        #expect(made.status == 0)
        var json = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: work.file("g/t.gltf"))) as? [String: Any])
        let images = try #require(json["images"] as? [[String: Any]])
        json["images"] = images.map { _ in ["uri": "data:image/png;base64,Z2FyYmFnZQ=="] }
        try JSONSerialization.data(withJSONObject: json).write(to: work.file("g/t.gltf"))
        let garbage = try CLI.run(["convert", work.file("g/t.gltf").path, work.file("out/x.obj").path])
        Self.expectRefused(garbage, saying: "embedded texture is not a readable png image", "data: image")
        // Into GLB the conversion is Assimp's alone (AssimpPassThrough), which copied the image as it was.
        let intoGLB = try CLI.run(["convert", work.file("g/t.gltf").path, work.file("out/x.glb").path])
        Self.expectRefused(intoGLB, saying: "embedded texture 0 is not a readable png image", "data: image into GLB")
        #expect(!FileManager.default.fileExists(atPath: work.file("out").path))
    }

    /// A PLY header declaring 2^63 − 1 elements overflowed the pre-check's sums and trapped
    /// (found by fuzzing; Fuzz/findings/ply-element-count-overflow.ply).
    @Test(arguments: ["ascii", "binary_little_endian"])
    func aPLYDeclaringAbsurdCountsIsRefused(format: String) throws {
        let work = try TemporaryFolder()
        let header = [
            "ply", "format \(format) 1.0", "element vertex 9223372036854775807", "property float x",
            "element face 2", "property list uchar int vertex_indices", "end_header", "0 0 0", "",
        ]
        try Data(header.joined(separator: "\n").utf8).write(to: work.file("big.ply"))
        let result = try CLI.run(["convert", work.file("big.ply").path, work.file("out/x.obj").path])
        Self.expectRefused(result, saying: "is truncated", "\(format) PLY")
        #expect(!FileManager.default.fileExists(atPath: work.file("out").path))
    }

    /// A model file whose section table overflows used to trap (`model info` crashed).
    @Test func aModelWithOverflowingLengthsIsRefused() throws {
        let work = try TemporaryFolder()
        var bytes = [UInt8](try Data(contentsOf: Repository.model("face")))
        let value = UInt64.max - 63
        bytes.replaceSubrange(72..<80, with: withUnsafeBytes(of: value.littleEndian, Array.init))
        let crc = ForgedBytes.crc32(bytes[64...])
        bytes.replaceSubrange(32..<36, with: withUnsafeBytes(of: crc.littleEndian, Array.init))
        try Data(bytes).write(to: work.file("bad.fdmodel"))
        let result = try CLI.run(["model", "info", work.file("bad.fdmodel").path])
        Self.expectRefused(result, saying: "bad.fdmodel: has a section", "model info")
    }

    /// A 65000 × 65000 header in a small JPEG: refused at once, before 12 GB are allocated.
    @Test func aDecompressionBombIsRefusedByReconstruct() throws {
        let work = try TemporaryFolder()
        var jpeg = [UInt8](try Data(contentsOf: Samples.groupJPEG))
        let i = try #require(ForgedBytes.jpegFrameSizeOffset(jpeg)) - 5
        for offset in [i + 5, i + 7] { (jpeg[offset], jpeg[offset + 1]) = (0xfd, 0xe8) }
        try Data(jpeg).write(to: work.file("bomb.jpg"))
        let result = try CLI.run(["reconstruct", work.file("bomb.jpg").path, "-o", work.file("out").path])
        Self.expectRefused(result, saying: "bomb.jpg: cannot be read as a photo: is 65000×65000 pixels", "bomb")
        let small = try CLI.run([
            "reconstruct", Samples.astronaut.path, "-o", work.file("out").path, "--max-pixels", "1000",
        ])
        Self.expectRefused(small, saying: "is 512×512 pixels, over the limit of 1000", "limit")
        #expect(!FileManager.default.fileExists(atPath: work.file("out").path))
    }
}

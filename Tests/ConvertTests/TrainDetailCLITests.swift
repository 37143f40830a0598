import Foundation
import TestSupport
import Testing

/// `facedetail train detail` end to end at toy size: the weights, their sidecar, the checkpoint,
/// the JSON log and the loss-curve PNG; a second run with the same seed writes the same weights
/// byte for byte; `--resume` continues from the checkpoint to the new step count.
@Suite struct TrainDetailCLITests {
    static func train(_ out: URL, steps: Int, resume: Bool = false) throws -> CLI.Result {
        try CLI.run(
            [
                "train", "detail", "--out", out.path, "--steps", "\(steps)", "--pairs", "4", "--batch", "2", "--crop",
                "64", "--filters", "4", "--checkpoint-every", "3", "--decay-steps", "2", "--geometry-steps", "6",
            ] + (resume ? ["--resume"] : []))
    }

    @Test func trainsWritesEverythingDeterministicallyAndResumes() throws {
        let folder = try TemporaryFolder()
        let a = folder.file("a/dfdn.safetensors")
        let b = folder.file("b/dfdn.safetensors")
        for out in [a, b] {
            try FileManager.default.createDirectory(
                at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
            let result = try Self.train(out, steps: 6)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("step 6/6"), "\(result.stderr)")
        }
        #expect(try Data(contentsOf: a) == Data(contentsOf: b))
        let dir = a.deletingLastPathComponent()
        for name in ["dfdn.safetensors.json", "dfdn-checkpoint.safetensors", "dfdn-log.json", "dfdn-loss.png"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
        }
        let log = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("dfdn-log.json")))
        #expect((log as? [[String: Any]])?.count == 6)
        let sidecar = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: dir.appendingPathComponent("dfdn.safetensors.json")))
                as? [String: Any])
        #expect((sidecar["command"] as? String)?.contains("train detail") == true)

        let resumed = try Self.train(a, steps: 9, resume: true)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains("resumed at step 6") && resumed.stderr.contains("step 9/9"), "\(resumed.stderr)")
        let longer = try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("dfdn-log.json")))
        #expect((longer as? [[String: Any]])?.count == 9)
    }
}

import Foundation
import TestSupport
import Testing

@testable import Neural
@testable import Reconstruct

/// `--detail dfdn` with a bad weights file: one line naming the file and the problem, exit 1, no
/// output folder. `--detail sfs` needs no weights.
@Suite struct DetailWeightsCLITests {
    @Test func badWeightsFilesAreRefusedByName() throws {
        let folder = try TemporaryFolder()
        // A real network's file, then damaged three ways.
        var net = DetailNet(configuration: .init(), seed: 1)
        net.generator.training = false
        let good = net.weightsFile().encoded()
        var config = DetailNet.Configuration()
        config.filters = 8
        let misShaped = DetailNet(configuration: .init(), seed: 1).weightsFile(metadata: [:])
        var wrong = misShaped
        let encoder = JSONEncoder()
        wrong.metadata[DetailNet.configurationKey] = String(decoding: try encoder.encode(config), as: UTF8.self)
        let cases: [(String, [UInt8]?, String)] = [
            ("missing.safetensors", nil, "weights are missing"),
            ("truncated.safetensors", Array(good.prefix(good.count / 2)), "cannot read"),
            ("shapes.safetensors", wrong.encoded(), "do not fit"),
        ]
        for (name, bytes, message) in cases {
            let file = folder.file(name)
            if let bytes { try Data(bytes).write(to: file) }
            let out = folder.file("out-\(name)")
            let result = try CLI.run([
                "reconstruct", Repository.astronaut.path, "-o", out.path, "--detail", "dfdn", "--detail-weights",
                file.path, "--uv-size", "512", "--formats", "obj",
            ])
            #expect(result.status == 1, "\(name): \(result.stderr)")
            #expect(result.stderr.contains(file.path) && result.stderr.contains(message), "\(name): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(name) left output behind")
        }
        let sfs = try CLI.run([
            "reconstruct", Repository.astronaut.path, "-o", folder.file("sfs").path, "--detail", "sfs",
            "--detail-weights", folder.file("missing.safetensors").path, "--uv-size", "512", "--formats", "obj",
        ])
        #expect(sfs.status == 0, "\(sfs.stderr)")
    }
}

import Foundation
import Testing

@testable import Commands

/// `facedetail bench nn`: a report with every layer and network, figures that are rates of real
/// runs, and a clear failure when the PyTorch reference cannot run.
@Suite struct NeuralBenchTests {
    /// unet_256's multiply–adds, counted by PyTorch forward hooks on pix2pix's generator (weight
    /// elements × positions each weight meets): 6,048,186,368 at ngf 64.
    @Test func unetWorkMatchesPyTorchCount() {
        #expect(NeuralBench.unetMacs(filters: 64) == 6_048_186_368)
    }

    @Test func reportHasEveryLayerAndNetwork() throws {
        let run = try CLI.run(["bench", "nn", "--runs", "1", "--filters", "4,8", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.count == ConvolutionCase.all.count)
        for layer in layers {
            let gflops = layer["gflops"] as? Double ?? 0
            let sgemm = layer["sgemmGflops"] as? Double ?? 0
            let ratio = layer["ratio"] as? Double ?? 0
            #expect(gflops > 0 && sgemm > 0 && abs(ratio - gflops / sgemm) < 1e-6 * ratio, "\(layer)")
        }
        let networks = try #require(object["networks"] as? [[String: Any]])
        #expect(networks.compactMap { $0["filters"] as? Int } == [4, 8])
        for network in networks {
            let forward = network["forwardMs"] as? Double ?? 0
            let both = network["forwardBackwardMs"] as? Double ?? 0
            // Both are single timed runs: under a loaded machine a forward pass alone can take longer
            // than the other run's forward and backward, so only their presence is checked.
            #expect(forward > 0 && both > 0 && network["pytorchForwardMs"] == nil, "\(network)")
        }
        #expect(run.stderr.isEmpty, "--json keeps stderr quiet: \(run.stderr)")
    }

    @Test func missingPyTorchIsAClearError() throws {
        let run = try CLI.run([
            "bench", "nn", "--runs", "1", "--filters", "4", "--networks-only", "--pytorch", "/nonexistent/python3",
        ])
        #expect(run.status == 1 && run.stderr.contains("/nonexistent/python3") && run.stdout.isEmpty, "\(run.stderr)")
    }
}

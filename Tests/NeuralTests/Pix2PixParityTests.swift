import Foundation
import TestSupport
import Testing

@testable import Neural

/// The engine against PyTorch on fixed inputs: pix2pix's U-Net and PatchGAN with PyTorch's own
/// state_dicts (int64 counters included), outputs and gradients computed once by PyTorch 2.13 CPU
/// and committed (Tests/Fixtures/pix2pix, made by make_fixture.py there). Tolerance: the largest
/// difference within 1e-4 of the reference's largest magnitude.
@Suite struct Pix2PixParityTests {
    static let folder = Repository.root.appendingPathComponent("Tests/Fixtures/pix2pix")

    static func file(_ name: String) throws -> WeightsFile {
        try WeightsFile(contentsOf: folder.appendingPathComponent(name))
    }

    /// max |a − b| / max |b|.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        guard a.shape == b.shape else { return .infinity }
        let scale = b.values.map { Double(abs($0)) }.max() ?? 0
        let worst = zip(a.values, b.values).map { Double(abs($0 - $1)) }.max() ?? 0
        return worst / max(scale, 1e-30)
    }

    static func expectClose(
        _ a: Tensor?, _ b: Tensor?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let a, let b else {
            Issue.record("\(what): missing (\(a == nil ? "engine" : "reference"))", sourceLocation: sourceLocation)
            return
        }
        let error = relativeError(a, b)
        print("parity \(what): relative error \(error)")  // the figures docs/neural.md quotes
        #expect(
            error <= 1e-4, "\(what): relative error \(error), shapes \(a.shape) vs \(b.shape)",
            sourceLocation: sourceLocation)
    }

    static func generator(dropout: Bool) throws -> Named {
        var g = Pix2Pix.unet(inputChannels: 3, outputChannels: 3, downs: 8, filters: 4, dropout: dropout, seed: 1)
        try g.load(try file("unet.safetensors"))
        return g
    }

    /// PyTorch's file loads as is: every name and shape matches, its int64 counters included, and
    /// written back it keeps their type.
    @Test func pytorchStateDictLoadsWithCounters() throws {
        let weights = try Self.file("unet.safetensors")
        #expect(weights.storage["model.model.1.model.2.num_batches_tracked"] == .i64)
        #expect(weights.tensors["model.model.1.model.2.num_batches_tracked"]?.values == [7])
        let g = try Self.generator(dropout: true)
        let again = try WeightsFile(bytes: g.weights.encoded())
        #expect(again == weights)
    }

    @Test func evaluationForwardMatchesPyTorch() throws {
        let io = try Self.file("io.safetensors")
        var g = try Self.generator(dropout: true)
        g.training = false
        let x = try #require(io.tensors["input"])
        let y = try g.forward(x)
        Self.expectClose(y, io.tensors["unet.eval"], "U-Net eval output")

        var d = Pix2Pix.patchGAN(inputChannels: 6, filters: 8, layers: 3, seed: 2)
        try d.load(try Self.file("patchgan.safetensors"))
        d.training = false
        let reference = try #require(io.tensors["unet.eval"])
        let score = try d.forward(TensorOperations.concatenateChannels([x, reference]))
        #expect(score.shape == [1, 1, 30, 30])
        Self.expectClose(score, io.tensors["patchgan.eval"], "PatchGAN eval output")
    }

    /// Training mode: batch statistics, the running statistics' update, and backward through the
    /// skips (the in-place LeakyReLU's skip included) into weights and input.
    @Test func trainingForwardAndGradientsMatchPyTorch() throws {
        let io = try Self.file("io.safetensors")
        var g = try Self.generator(dropout: false)
        g.training = true
        let y = try g.forward(try #require(io.tensors["input"]))
        Self.expectClose(y, io.tensors["unet.train"], "U-Net train output")
        let dx = try g.backward(try #require(io.tensors["unet.eval"]))
        Self.expectClose(dx, io.tensors["grad.input"], "U-Net input gradient")
        let gradients = g.gradients
        let state = g.state
        let gradientNames = io.tensors.keys.filter { $0.hasPrefix("grad.model.") }.sorted()
        #expect(gradientNames.count == 8)
        for key in gradientNames {
            Self.expectClose(gradients[String(key.dropFirst(5))], io.tensors[key], key)
        }
        for key in io.tensors.keys.filter({ $0.hasPrefix("running.") }).sorted() {
            Self.expectClose(state[String(key.dropFirst(8))], io.tensors[key], key)
        }
        #expect(state["model.model.1.model.2.num_batches_tracked"]?.values == [8])

        var d = Pix2Pix.patchGAN(inputChannels: 6, filters: 8, layers: 3, seed: 2)
        try d.load(try Self.file("patchgan.safetensors"))
        d.training = true
        let input = try TensorOperations.concatenateChannels([
            try #require(io.tensors["input"]), try #require(io.tensors["unet.eval"]),
        ])
        let score = try d.forward(input)
        Self.expectClose(score, io.tensors["patchgan.train"], "PatchGAN train output")
        Self.expectClose(
            try d.backward(Tensor(shape: score.shape, repeating: 1)), io.tensors["patchgan.grad.input"],
            "PatchGAN input gradient")
        let dGradients = d.gradients
        let dNames = io.tensors.keys.filter { $0.hasPrefix("patchgan.grad.model.") }.sorted()
        #expect(dNames.count == 5)
        for key in dNames { Self.expectClose(dGradients[String(key.dropFirst(14))], io.tensors[key], key) }
    }
}

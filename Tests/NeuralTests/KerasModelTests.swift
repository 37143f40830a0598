import Foundation
import TestSupport
import Testing

@testable @_spi(Fuzzing) import Neural

/// The Keras HDF5 loader against an independent reference: NumPy reading the same files with h5py
/// (Tests/Fixtures/emotion/make_fixture.py), on fer's EmotionNet and on a small model of our own
/// over the layer kinds EmotionNet does not use. Tolerance: the largest difference within 1e-4 of
/// the reference's largest magnitude. Broken files are refused with the file and the layer named.
@Suite struct KerasModelTests {
    static let folder = Repository.root.appendingPathComponent("Tests/Fixtures/emotion")
    static let reference = try! WeightsFile(contentsOf: folder.appendingPathComponent("reference.safetensors"))

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        guard a.shape == b.shape else { return .infinity }
        let scale = b.values.map { Double(abs($0)) }.max() ?? 0
        return (zip(a.values, b.values).map { Double(abs($0 - $1)) }.max() ?? 0) / max(scale, 1e-30)
    }

    @Test func emotionNetMatchesTheReference() throws {
        let model = try KerasModel.load(from: Repository.emotionModel)
        #expect(model.kerasVersion == "2.0.5")
        #expect(model.inputShape == (64, 64, 1))
        #expect(model.layers.count == 46)
        let input = try #require(Self.reference.tensors["input"])
        let (output, kept) = try model.forward(input, keeping: ["global_average_pooling2d_1", "add_2"])
        for (name, engine) in [
            ("probabilities", output), ("logits", kept["global_average_pooling2d_1"]!), ("add_2", kept["add_2"]!),
        ] {
            let error = Self.relativeError(engine, try #require(Self.reference.tensors[name]))
            print("keras parity \(name): relative error \(error)")
            #expect(error <= 1e-4, "\(name): relative error \(error)")
        }
        // Four different inputs do not all land on one class with one confidence.
        #expect(Set(output.values.map { ($0 * 1000).rounded() }).count > 7)
    }

    @Test func generalLayerKindsMatchTheReference() throws {
        let model = try KerasModel.load(from: Self.folder.appendingPathComponent("general.h5"))
        #expect(model.layers.map(\.className).contains("DepthwiseConv2D"))
        let (output, _) = try model.forward(try #require(Self.reference.tensors["general_input"]))
        let error = Self.relativeError(output, try #require(Self.reference.tensors["general_output"]))
        #expect(error <= 1e-4, "relative error \(error)")
    }

    @Test(arguments: [
        ("unknown-layer.h5", "layer kind 'LSTM' is not supported"),
        ("missing-weights.h5", "layer 'dense' (Dense): missing weight 'kernel'"),
    ])
    func brokenModelsAreRefusedByLayer(file: String, expected: String) throws {
        let url = Self.folder.appendingPathComponent(file)
        let error = try #require(throws: NeuralError.self) { try KerasModel.load(from: url) }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains(expected), "\(error)")
    }

    @Test func truncatedAndForeignFilesAreRefused() throws {
        let folder = try TemporaryFolder()
        let bytes = try Data(contentsOf: Repository.emotionModel)
        let truncated = folder.file("truncated.hdf5")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let notHDF5 = folder.file("weights.hdf5")
        try Data("not an HDF5 file".utf8).write(to: notHDF5)
        for url in [truncated, notHDF5, folder.file("absent.hdf5")] {
            let error = try #require(throws: NeuralError.self) { try KerasModel.load(from: url) }
            #expect(error.description.hasPrefix(url.path), "\(error)")
        }
    }

    /// libhdf5 reads in a child: the damaged file fuzzing found (it makes Debian's libhdf5 1.10
    /// overread the heap, which `make test-asan` catches in-process) is refused, a FIFO is refused
    /// before any child waits on it, and the snapshot decoder refuses bytes it cannot follow.
    @Test func hostileFilesNeverReachLibhdf5InThisProcess() throws {
        let finding = Repository.root.appendingPathComponent("Fuzz/findings/keras-libhdf5-strdup-overflow.h5")
        let refused = try #require(throws: NeuralError.self) { try KerasModel.load(from: finding) }
        #expect(refused.description.hasPrefix(finding.path), "\(refused)")

        let folder = try TemporaryFolder()
        let fifo = folder.file("model.hdf5")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let notRegular = try #require(throws: NeuralError.self) { try KerasModel.load(from: fifo) }
        #expect(notRegular.description.contains("not a regular file"), "\(notRegular)")

        let snapshot = try KerasModel.snapshotBytes(
            of: Repository.root.appendingPathComponent(
                "Tests/Fixtures/emotion/general.h5"))
        #expect(try KerasModel.load(snapshot: snapshot, path: "general.h5").layers.count > 3)
        for cut in [1, 5, snapshot.count / 2, snapshot.count - 1] {
            let damaged = try #require(throws: NeuralError.self) {
                try KerasModel.load(snapshot: Array(snapshot.prefix(cut)), path: "general.h5")
            }
            #expect(damaged.description.contains("damaged snapshot"), "\(damaged)")
        }
    }
}

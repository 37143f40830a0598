import Foundation
import Testing
import Neural
import TestSupport

@Suite struct SafeTensorsTests {
    static let sample = WeightsFile(tensors: [
        "encoder.0.weight": try! Tensor(shape: [2, 3, 1, 1], values: [1, -2, 3.5, 0, 3.14159, -1e-30]),
        "encoder.0.bias": try! Tensor(shape: [2], values: [0.25, -0.125]),
        "head.scale": try! Tensor(shape: [], values: [42]),
        "empty": Tensor(shape: [0, 4]),
    ], metadata: ["format": "pt", "note": "facedetail \"test\""])

    @Test func roundTripIsExactAndDeterministic() throws {
        let bytes = Self.sample.encoded()
        #expect(try WeightsFile(bytes: bytes) == Self.sample)
        #expect(Self.sample.encoded() == bytes)
        // Header length, then the header, padded to 8 bytes.
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect(length % 8 == 0 && bytes.count == 8 + length + 4 * (6 + 2 + 1 + 0))
    }

    /// The engine's file read by Python's `safetensors` (PyPI) with identical values, and a file
    /// Python wrote read by the engine.
    @Test func pythonSafetensorsReadsOursAndWeReadItsFiles() throws {
        let folder = try TemporaryFolder()
        let ours = folder.file("ours.safetensors"), theirs = folder.file("theirs.safetensors")
        try Self.sample.write(to: ours)
        let script = """
            import sys, numpy as np
            from safetensors.numpy import load_file, save_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            assert sorted(t) == ["empty", "encoder.0.bias", "encoder.0.weight", "head.scale"], sorted(t)
            w = t["encoder.0.weight"]
            assert w.dtype == np.float32 and w.shape == (2, 3, 1, 1)
            assert w.ravel().tolist() == np.array([1, -2, 3.5, 0, 3.14159, -1e-30], dtype=np.float32).tolist()
            assert t["encoder.0.bias"].tolist() == [0.25, -0.125] and t["head.scale"].shape == () and t["empty"].shape == (0, 4)
            with safe_open(sys.argv[1], "np") as f:
                assert f.metadata() == {"format": "pt", "note": 'facedetail "test"'}, f.metadata()
            save_file({"conv.weight": np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2) / 8 - 1,
                       "conv.bias": np.array([1e-7, -3e38], dtype=np.float32)}, sys.argv[2], metadata={"by": "python"})
            print("ok")
            """
        let run = try Subprocess.run("/usr/bin/python3", ["-c", script, ours.path, theirs.path])
        #expect(run.status == 0 && run.text.contains("ok"), "\(run.text)")
        let read = try WeightsFile(contentsOf: theirs)
        #expect(read.metadata == ["by": "python"])
        #expect(read.tensors["conv.weight"] == (try Tensor(shape: [2, 3, 2, 2], values: (0..<24).map { Float($0) / 8 - 1 })))
        #expect(read.tensors["conv.bias"]?.values == [1e-7, -3e38])
    }

    /// Damaged and foreign files: each a clear error naming the file and the problem.
    @Test func malformedFilesAreRefusedClearly() throws {
        let good = Self.sample.encoded()
        let headerLength = (0..<8).reduce(0) { $0 | Int(good[$1]) << (8 * $1) }
        func header(_ json: String, data: [UInt8] = []) -> [UInt8] {
            var h = Array(json.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            return (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + data
        }
        let cases: [(String, [UInt8], String)] = [
            ("tiny", [1, 2, 3], "shorter than the 8-byte header length"),
            ("truncated header", Array(good.prefix(8 + headerLength / 2)), "header length past the end"),
            ("truncated data", Array(good.dropLast(4)), "lies outside the data"),
            ("bad header", header("{\"a\": [1, 2"), "not a JSON object"),
            ("not an object", header("[1, 2, 3]"), "not a JSON object"),
            ("wrong dtype", header("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), "is F16"),
            ("size mismatch", header("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8)), "needs 12"),
            ("overlap", header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                               data: Array(repeating: 0, count: 8)), "overlaps"),
            ("trailing bytes", header("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: Array(repeating: 0, count: 12)), "after its last tensor"),
            ("missing field", header("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", data: [0, 0, 0, 0]), "malformed entry"),
        ]
        for (name, bytes, expected) in cases {
            do {
                _ = try WeightsFile(bytes: bytes, path: "/models/\(name).safetensors")
                Issue.record("\(name): accepted")
            } catch let error as NeuralError {
                #expect(error.description.hasPrefix("/models/\(name).safetensors: ") && error.description.contains(expected),
                        "\(name): \(error)")
            }
        }
        #expect(throws: NeuralError.self) { try WeightsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/w.safetensors")) }
    }

    @Test func matchingAModelListsEveryProblem() throws {
        let expected = ["encoder.0.weight": [2, 3, 1, 1], "encoder.0.bias": [3], "decoder.weight": [4], "head.scale": [], "empty": [0, 4]]
        do {
            _ = try Self.sample.parameters(matching: expected, path: "w.safetensors")
            Issue.record("accepted")
        } catch let error as NeuralError {
            #expect(error.kind == .mismatch)
            #expect(error.description == "w.safetensors: the weights do not fit the model (missing: decoder.weight; "
                    + "mis-shaped: encoder.0.bias is [2], the model needs [3])", "\(error)")
        }
        var exact = expected
        exact["encoder.0.bias"] = [2]
        exact["decoder.weight"] = nil
        #expect(try Self.sample.parameters(matching: exact).count == 4)
        exact["head.scale"] = nil
        #expect(throws: NeuralError.self) { try Self.sample.parameters(matching: exact) }
    }
}

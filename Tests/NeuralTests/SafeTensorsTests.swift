import Foundation
import Neural
import TestSupport
import Testing

@Suite struct SafeTensorsTests {
    static let sample = WeightsFile(
        tensors: [
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
        let ours = folder.file("ours.safetensors")
        let theirs = folder.file("theirs.safetensors")
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
        #expect(
            read.tensors["conv.weight"]
                == (try Tensor(shape: [2, 3, 2, 2], values: (0..<24).map { Float($0) / 8 - 1 })))
        #expect(read.tensors["conv.bias"]?.values == [1e-7, -3e38])
    }

    /// Other dtypes as PyTorch and NumPy write them: half, bfloat16 and double precision read as
    /// the nearest float32, small integers exactly; written back in their own type, which Python
    /// reads as that type with the same values.
    @Test func otherDtypesConvertAndKeepTheirType() throws {
        let folder = try TemporaryFolder()
        let theirs = folder.file("theirs.safetensors")
        let ours = folder.file("ours.safetensors")
        let script = """
            import sys, numpy as np
            from safetensors.numpy import load_file, save_file
            if sys.argv[1] == "write":
                save_file({"h": np.array([0.5, -1.25, 65504, 1e-7], dtype=np.float16),
                           "d": np.array([1 / 3, -2.5e-40], dtype=np.float64),
                           "steps": np.array(123456, dtype=np.int64), "flags": np.array([1, 0], dtype=np.uint8)}, sys.argv[2])
            else:
                t = load_file(sys.argv[2])
                assert {k: str(v.dtype) for k, v in t.items()} == {"h": "float16", "d": "float64", "steps": "int64", "flags": "uint8"}, t
                assert t["h"].tolist() == np.array([0.5, -1.25, 65504, 1e-7], dtype=np.float16).tolist(), t["h"]
                assert t["d"].tolist() == [float(np.float32(1 / 3)), float(np.float32(-2.5e-40))], t["d"]
                assert int(t["steps"]) == 123457 and t["steps"].shape == () and t["flags"].tolist() == [1, 0]
            print("ok")
            """
        let write = try Subprocess.run("/usr/bin/python3", ["-c", script, "write", theirs.path])
        #expect(write.status == 0, "\(write.text)")
        var file = try WeightsFile(contentsOf: theirs)
        #expect(file.storage == ["h": .f16, "d": .f64, "steps": .i64, "flags": .u8])
        #expect(file.tensors["h"]?.values == [0.5, -1.25, 65504, Float(Float16(1e-7))])
        #expect(file.tensors["d"]?.values == [Float(1.0 / 3.0), Float(-2.5e-40)])
        #expect(file.tensors["steps"]?.shape == [] && file.tensors["steps"]?.values == [123456])
        file.tensors["steps"]!.values[0] += 1
        try file.write(to: ours)
        let read = try Subprocess.run("/usr/bin/python3", ["-c", script, "read", ours.path])
        #expect(read.status == 0 && read.text.contains("ok"), "\(read.text)")
        // bfloat16 (no NumPy type): 1.5 is 0x3FC0, −2 is 0xC000; 1 + 2⁻⁸ rounds to even (1.0).
        var bf = WeightsFile(
            tensors: ["b": try Tensor(shape: [3], values: [1.5, -2, 1 + 1.0 / 256])], storage: ["b": .bf16])
        let bytes = bf.encoded()
        #expect(Array(bytes.suffix(6)) == [0xC0, 0x3F, 0x00, 0xC0, 0x80, 0x3F])
        bf = try WeightsFile(bytes: bytes)
        #expect(bf.tensors["b"]?.values == [1.5, -2, 1] && bf.storage["b"] == .bf16)
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
            (
                "unknown dtype",
                header("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", data: [0, 0]),
                "has dtype F8_E4M3"
            ),
            (
                "huge integer",
                header(
                    "{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: [1, 0, 0, 1, 0, 0, 0, 0]),
                "beyond ±2^24"
            ),
            (
                "huge shape",
                header(
                    "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}",
                    data: [0, 0, 0, 0]),
                "more than Int.max"
            ),
            (
                "size for dtype",
                header("{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
                "of F16 needs 6"
            ),
            (
                "size mismatch",
                header(
                    "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                    data: Array(repeating: 0, count: 8)), "needs 12"
            ),
            (
                "overlap",
                header(
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                    data: Array(repeating: 0, count: 8)), "overlaps"
            ),
            (
                "trailing bytes",
                header(
                    "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                    data: Array(repeating: 0, count: 12)), "after its last tensor"
            ),
            (
                "missing field", header("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", data: [0, 0, 0, 0]),
                "malformed entry"
            ),
        ]
        for (name, bytes, expected) in cases {
            do {
                _ = try WeightsFile(bytes: bytes, path: "/models/\(name).safetensors")
                Issue.record("\(name): accepted")
            } catch let error as NeuralError {
                #expect(
                    error.description.hasPrefix("/models/\(name).safetensors: ")
                        && error.description.contains(expected),
                    "\(name): \(error)")
            }
        }
        #expect(throws: NeuralError.self) {
            try WeightsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/w.safetensors"))
        }
    }

    @Test func matchingAModelListsEveryProblem() throws {
        let expected = [
            "encoder.0.weight": [2, 3, 1, 1], "encoder.0.bias": [3], "decoder.weight": [4], "head.scale": [],
            "empty": [0, 4],
        ]
        do {
            _ = try Self.sample.parameters(matching: expected, path: "w.safetensors")
            Issue.record("accepted")
        } catch let error as NeuralError {
            #expect(error.code == .mismatch)
            #expect(
                error.description == "w.safetensors: the weights do not fit the model: missing: decoder.weight; "
                    + "mis-shaped: encoder.0.bias is [2], the model needs [3]", "\(error)")
        }
        var exact = expected
        exact["encoder.0.bias"] = [2]
        exact["decoder.weight"] = nil
        #expect(try Self.sample.parameters(matching: exact).count == 4)
        exact["head.scale"] = nil
        #expect(throws: NeuralError.self) { try Self.sample.parameters(matching: exact) }
    }
}

import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// `ReconstructionPipeline`, the library front end: one call per photo, one result value whose
/// parts are built once, and the output contract written through any sink.
@Suite struct PipelineTests {
    static func pipeline(_ configure: (inout ReconstructionOptions) -> Void) throws -> ReconstructionPipeline {
        var options = ReconstructionOptions()
        options.uvSize = 512
        options.formats = ["obj", "glb2"]
        configure(&options)
        return try ReconstructionPipeline(options: options, model: try loadModel("face"), finder: try finder())
    }

    @Test func onePhotoGivesTheContractsFilesWithTypedOptions() throws {
        let pipeline = try Self.pipeline {
            $0.detail = "none"
            $0.subdivision = 1
            $0.maps = [.png, .exr]
        }
        let result = try pipeline.reconstruct(Repository.astronaut)
        // The checksum is of the photo's bytes as read, and the proxy mesh is the fitted shape.
        #expect(result.photo.sha256 == SHA256.hex(try Data(contentsOf: Repository.astronaut)))
        let fitted = pipeline.model.shape(
            identity: result.fit.identity.map(Float.init), expression: result.fit.expression.map(Float.init))
        #expect(result.proxyMesh.positions == fitted)
        let detail = try #require(result.detail)
        // The detailed mesh is the same proxy subdivided once: each quad becomes four.
        #expect(detail.detailedMesh.faceCount == result.proxyMesh.faceSizes.map(Int.init).reduce(0, +))

        let sink = MemorySink()
        let records = try pipeline.writer.write(result, to: sink)
        // Files are written as they are encoded (costliest first, two lanes); the records keep the
        // contract's order and manifest.json comes last.
        #expect(sink.order.last == "manifest.json" && records.map(\.name).sorted() == sink.order.dropLast().sorted())
        #expect(records.map(\.name).prefix(2) == ["displacement.exr", "normal.exr"])
        #expect(
            Set(sink.order) == [
                "displacement.exr", "normal.exr", "normal.png", "detailed_normal.exr", "detailed_normal.png",
                "displacement.png", "texture.png", "proxy.obj", "proxy.mtl", "proxy.glb", "detailed.obj",
                "detailed.mtl", "detailed.glb", "landmarks.json", "manifest.json",
            ])
        for record in records {
            let bytes = try #require(sink.files[record.name])
            #expect(record.sha256 == SHA256.hex(bytes) && record.bytes == bytes.count, "\(record.name)")
        }
        // The manifest records the options as they are: they decode back to the pipeline's own.
        struct Head: Decodable {
            let options: ReconstructionOptions
            let input: [String: AnyCodable]
        }
        let manifest = try JSONDecoder().decode(Head.self, from: Data(sink.files["manifest.json"]!))
        #expect(manifest.options == pipeline.options)
        #expect(manifest.input["sha256"]?.text == result.photo.sha256)
        // glTF names no EXR file; OBJ keeps the EXR displacement map.
        #expect(!String(decoding: sink.files["proxy.glb"]!, as: UTF8.self).contains(".exr"))
        #expect(String(decoding: sink.files["proxy.mtl"]!, as: UTF8.self).contains("displacement.exr"))
    }

    @Test func optionsOutsideTheContractAreRefused() throws {
        let cases: [(String, (inout ReconstructionOptions) -> Void)] = [
            ("texture size", { $0.uvSize = 100 }), ("subdivision", { $0.subdivision = 4 }),
            ("detail synthesizer", { $0.detail = "magic" }), ("mesh format", { $0.formats = ["png"] }),
            ("map file type", { $0.maps = [] }),
        ]
        for (what, configure) in cases {
            var options = ReconstructionOptions()
            configure(&options)
            #expect(throws: ReconstructError.self, "\(what)") { try options.validated() }
        }
    }

    @Test func anUnreadablePhotoIsOneErrorWithItsCause() throws {
        let folder = try TemporaryFolder()
        let photo = folder.file("broken.jpg")
        try Data([0xff, 0xd8, 0xff, 0x00, 0x01]).write(to: photo)
        let pipeline = try Self.pipeline { $0.detail = nil }
        do {
            _ = try pipeline.reconstruct(photo)
            Issue.record("read a broken photo")
        } catch let error as ReconstructError {
            #expect(error.code == .unreadablePhoto && error.path == photo.path)
            let cause = try #require(error.cause as? FormatError)
            #expect(
                cause.code == .malformed
                    && "\(error)" == "\(photo.path): cannot be read as a photo: has an impossible size of 0×0 pixels",
                "\(error)")
        }
    }
}

/// A JSON value read back only as far as a test needs.
private struct AnyCodable: Decodable {
    let text: String?
    init(from decoder: any Decoder) throws {
        text = try? decoder.singleValueContainer().decode(String.self)
    }
}

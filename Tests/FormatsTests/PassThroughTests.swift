import Foundation
import TestSupport
import Testing

@testable import Formats

/// `convert` into glTF, GLB and Collada through Assimp alone (`AssimpPassThrough`): every corpus
/// model reads back with the triangles it had, lengths in the target's unit; shared meshes stay
/// shared, so the file is no larger than `assimp export`'s.
@Suite struct PassThroughTests {
    static let corpus = CorpusTests.root
    static let targets = ["glb", "gltf", "dae"]

    /// Triangle count and bounding box (metres) of a mesh file as our reader sees it.
    static func measure(_ url: URL, unitless: LengthUnit = .centimetre) throws -> (triangles: Int, box: [Float]) {
        let asset = try FormatRegistry.standard.readerFormat(for: url).meshReader!.readMesh(at: url)
        let metres = Float((asset.unit ?? unitless).metresPerUnit)
        let points = asset.meshes.flatMap(\.positions).map { $0 * metres }
        let low = points.reduce(SIMD3<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
        let high = points.reduce(SIMD3<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
        return (asset.triangleCount, [low.x, low.y, low.z, high.x, high.y, high.z])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: corpus.path), "needs Debian's assimp-testmodels"))
    func corpusModelsKeepTheirTrianglesAndSize() throws {
        let models = CorpusTests.models().filter { $0.pathExtension.lowercased() != "fbx" }
        let failures = Slots<[String]>(models.count)
        let converted = Slots<Int>(models.count)
        DispatchQueue.concurrentPerform(iterations: models.count) { i in
            let model = models[i]
            guard let source = try? Self.measure(model), let folder = try? TemporaryFolder("passthrough") else {
                return
            }
            var problems: [String] = []
            var done = 0
            for ext in Self.targets {
                let output = folder.file("out.\(ext)")
                do {
                    _ = try Converter().convert(model, to: output)
                    let back = try Self.measure(output)
                    done += 1
                    if back.triangles != source.triangles {
                        problems.append("\(ext): \(back.triangles) triangles back, \(source.triangles) in")
                    }
                    let extent = zip(source.box.suffix(3), source.box.prefix(3)).map { $0 - $1 }.max() ?? 0
                    if zip(back.box, source.box).contains(where: { abs($0 - $1) > 1e-4 * max(extent, 1e-3) }) {
                        problems.append("\(ext): bounds \(back.box) m, \(source.box) m in")
                    }
                } catch let error as FormatError where error.code == .refusedReference {
                    // Textures outside the input's folder are refused on every path (TextureReferenceTests).
                    continue
                } catch {
                    problems.append("\(ext): \(error)")
                }
            }
            failures.put(i, problems.map { "\(model.lastPathComponent) → \($0)" })
            converted.put(i, done)
        }
        let total = (0..<models.count).reduce(0) { $0 + (converted.value($1) ?? 0) }
        #expect(total > 100, "\(total) conversions")
        for i in 0..<models.count { for problem in failures.value(i) ?? [] { Issue.record("\(problem)") } }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/assimp"), "needs assimp-utils"))
    func sharedMeshesStaySharedAndTheFileIsNoLargerThanAssimps() throws {
        let model = Self.corpus.appendingPathComponent("glTF2/2CylinderEngine-glTF-Binary/2CylinderEngine.glb")
        try #require(FileManager.default.fileExists(atPath: model.path), "needs Debian's assimp-testmodels")
        let folder = try TemporaryFolder()
        let ours = folder.file("ours.glb")
        let report = try Converter().convert(model, to: ours)
        let theirs = folder.file("theirs.glb")
        let assimp = try run("/usr/bin/assimp", ["export", model.path, theirs.path])
        #expect(assimp.status == 0, "\(assimp.text)")
        let size = { (url: URL) in (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? -1 }
        #expect(size(ours) > 0 && size(ours) <= size(theirs), "ours \(size(ours)) bytes, assimp's \(size(theirs))")
        // The same geometry as the general path reads it (instances expanded on reading).
        let source = try Self.measure(model)
        #expect(try Self.measure(ours).triangles == source.triangles)
        // Fewer triangles stored than drawn: the shared meshes were not expanded.
        #expect(report.triangles! < source.triangles, "stored \(report.triangles!), drawn \(source.triangles)")
    }
}

/// Values filled in by concurrent workers, each index by one.
private final class Slots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
    func put(_ i: Int, _ value: Value) { lock.withLock { values[i] = value } }
    func value(_ i: Int) -> Value? { lock.withLock { values[i] } }
}

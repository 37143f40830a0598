import Foundation
import Testing
import TestSupport

/// What artists see: the proxy of the astronaut opened in Blender 3.4 (headless) from FBX, OBJ
/// and GLB, with the unwrapped photo on the face material's Base Color.
@Suite(.enabled(if: !Blender.skipped, "FACEDETAIL_SKIP_BLENDER=1"))
struct ProxyBlenderTests {
    @Test func proxyOpensInBlenderWithItsTexture() throws {
        let folder = try TemporaryFolder()
        let result = try CLI.run(["reconstruct", Repository.astronaut.path, "-o", folder.url.path, "--proxy-only",
                                  "--uv-size", "512", "--formats", "fbx,obj,glb"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.url.appendingPathComponent("astronaut")
        let files = ["proxy.fbx", "proxy.obj", "proxy.glb"].map { out.appendingPathComponent($0) }
        let reports = try Blender.inspect(files)
        for file in files {
            let report = try #require(reports[file.path], "\(file.lastPathComponent)")
            #expect(report.error == nil, "\(file.lastPathComponent): \(report.error ?? "")")
            #expect(report.triangles == 18460 && (report.uv_layers ?? 0) >= 1, "\(file.lastPathComponent): \(report.triangles ?? -1) triangles")
            let textured = (report.materials ?? []).compactMap(\.base_color)
            #expect(textured.count == 1 && textured[0].loaded && textured[0].file.hasSuffix("texture.png"),
                    "\(file.lastPathComponent): base colour \(textured)")
        }
    }
}

import Formats

/// What `ReconstructionPipeline.reconstruct` makes of one photo: every stage's product, each
/// built once, for the writers and for callers that want the values rather than files.
public struct Reconstruction: Sendable {
    /// The face, the fit, the proxy mesh and the unwrapped texture (`ProxyReconstructor`).
    public let proxyStage: ProxyReconstructor.Result
    /// The displacement, the normal maps and the detailed mesh; nil when the options stop at the proxy.
    public let detail: DetailStage.Products?

    /// The photo as read, with its checksum.
    public var photo: Photo { proxyStage.photo }
    /// The detected face: boxes, score and 68 landmarks.
    public var face: DetectedFace { proxyStage.face }
    /// Camera, identity α, expression β and the fit's residuals.
    public var fit: FittedFace { proxyStage.fit }
    /// The fitted proxy (mm, the model's UVs and materials).
    public var proxyMesh: Mesh { proxyStage.proxy }
    /// RGBA, alpha = visibility × facing.
    public var texture: Image<UInt8> { proxyStage.texture }

    /// Wall-clock seconds per stage.
    public struct Timings: Sendable, Codable {
        public let proxy: ProxyReconstructor.Timings
        public let detail: DetailStage.Timings?
    }

    public var timings: Timings { Timings(proxy: proxyStage.timings, detail: detail?.timings) }
}

import Formats
import Foundation

/// The render-truth benchmark (issue 14): faces drawn from seeds (`TruthFace`), their scenes
/// written (`TruthScene`), rendered by a caller-given renderer (Blender in `bench truth`), run
/// through the whole pipeline and scored against the truth (`TruthScore`).
public struct TruthBenchmark: Sendable {
    /// The model rendered (the full head) and the pipeline under test (its own, face-region model).
    public let renderModel: MorphableModel
    public let pipeline: ReconstructionPipeline
    /// Cycles samples per pixel of each render.
    public var samples = 24
    /// What the pipeline knows of each render's lens.
    public var lens = TruthLens.assumed
    /// Diagnostic: fit to the true projections of the model's landmark vertices 17–67 and 8 (the
    /// jaw outline stays dlib's: its vertices are re-chosen by the fit), so what the detector's
    /// error costs can be told from what the fit itself leaves.
    public var oracleLandmarks = false

    /// What the pipeline is told of a render's lens.
    public enum TruthLens: String, Codable, CaseIterable, Sendable {
        /// The true focal length, as a camera's EXIF would record it.
        case exif
        /// Nothing: the pipeline's default policy (`LensPolicy.defaultEquivalentFocalMillimetres`).
        case assumed
        /// The weak-perspective fit.
        case orthographic
    }

    public init(renderModel: MorphableModel, pipeline: ReconstructionPipeline) {
        self.renderModel = renderModel
        self.pipeline = pipeline
    }

    /// `count` faces from `seed`: the labelled expressions in turn, everything else drawn.
    public func faces(count: Int, seed: UInt64) -> [TruthFace] {
        (0..<count).map { k in
            TruthFace(
                seed: seed &* 1000 &+ UInt64(k),
                label: TruthFace.Expression.allCases[k % TruthFace.Expression.allCases.count],
                expressionNames: renderModel.expressionNames, identityCount: renderModel.identityCount)
        }
    }

    /// One face: its scene written into `folder`, `render(sceneFile)` called to make
    /// `folder/photo.png`, the pipeline run on the photo, the result scored. A folder that already
    /// holds this very scene (same scene.json bytes) and its photo is not rendered again.
    public func score(_ face: TruthFace, in folder: URL, render: (URL) throws -> Void) throws -> TruthScore {
        let scene = TruthScene(face: face, model: renderModel)
        let files = MemorySink()
        try scene.write(model: renderModel, to: files, folder: folder, samples: samples)
        let sceneFile = folder.appendingPathComponent("scene.json")
        let photo = folder.appendingPathComponent("photo.png")
        let rendered =
            FileManager.default.fileExists(atPath: photo.path)
            && (try? FileContents.read(sceneFile)) == files.files["scene.json"]
        if !rendered {
            try DirectorySink(directory: folder).committing { sink in
                for name in files.order { try sink.write(files.files[name]!, to: name) }
            }
            try render(sceneFile)
        }
        let policy: LensPolicy =
            switch lens {
            case .exif:
                LensPolicy(
                    camera: .perspective,
                    focalLength: CameraIntrinsics.equivalentFocalMillimetres(
                        focalPixels: face.focalPixels, width: face.width, height: face.height))
            case .assumed: LensPolicy(camera: .perspective)
            case .orthographic: LensPolicy(camera: .orthographic)
            }
        let run = pipeline.assuming(policy)
        let truePoints: ((Landmarks68) -> Landmarks68)? =
            oracleLandmarks
            ? { detected in
                var points = detected.points
                for k in ProxyFitter.fixedLandmarks {
                    points[k] = face.project(
                        SIMD3<Double>(scene.shape[renderModel.landmarkVertices[k]]), centroid: scene.centroid)
                }
                return Landmarks68(points: points)
            } : nil
        let reconstruction = try run.reconstruct(photo, adjustLandmarks: truePoints)
        // The same-run baseline: the weak-perspective landmark fit on the same detected points
        // (the reconstruction's own fit when that is the fit under test).
        let baseline =
            policy.camera == .orthographic && run.proxyStage.dense == nil
            ? nil : try pipeline.proxyStage.fitter.fit(reconstruction.face.landmarks)
        return TruthScore(
            scene: scene, reconstruction: reconstruction, baseline: baseline, fittingModel: pipeline.model)
    }
}

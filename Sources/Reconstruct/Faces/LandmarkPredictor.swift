import CDlibBridge
import Formats
import Foundation

/// The 68-point landmark predictor: dlib's cascade of regression trees, evaluated here over a
/// `LandmarkForest`, giving dlib's points bit for bit (the two small transforms between shapes and
/// the face box come from dlib itself, so its rounding is kept; `LandmarkForestTests`). From our
/// memory-mapped file it loads in well under a millisecond; given dlib's own file it parses that
/// first (1–2 s). Prediction is read-only and thread-safe.
public final class LandmarkPredictor: Sendable {
    public let forest: LandmarkForest
    /// Number of points the model predicts (68 for the iBUG model).
    public var partCount: Int { forest.layout.parts }
    public let url: URL

    /// Debian's file (libdlib-data): the fallback when the models folder has no file of ours.
    public static let defaultPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    /// Environment variable that overrides the default.
    public static let environmentVariable = "FACEDETAIL_LANDMARK_MODEL"

    /// The predictor file to use: an explicit path, else `$FACEDETAIL_LANDMARK_MODEL`, else
    /// `shape-predictor-68.fdlm` in the models folder (`$FACEDETAIL_MODEL_DIR` or ./models) when set-up
    /// made it, else Debian's dlib file.
    public static func resolvedURL(explicit: String?) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let ours = defaultForestURL
        return FileManager.default.fileExists(atPath: ours.path) ? ours : URL(fileURLWithPath: defaultPath)
    }

    /// Where set-up writes the converted predictor.
    public static var defaultForestURL: URL { ModelFolders.file(LandmarkForest.fileName) }

    /// Loads `url`: a file of ours (memory-mapped), or dlib's own shape-predictor file.
    public init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ReconstructError(
                .missingData, path: url.path, "landmark model not found",
                reason:
                    "run `make setup`, install Debian's libdlib-data, or pass --landmark-model / set \(Self.environmentVariable)"
            )
        }
        forest =
            LandmarkForest.isOurs(url)
            ? try LandmarkForest(contentsOf: url) : try LandmarkForest.importing(dlibFile: url)
        self.url = url
    }

    /// Points inside `box` (pixel-index coordinates of `grey`; edges rounded to whole pixels as dlib's
    /// rectangle has them), in the same coordinates: dlib's integer points.
    func predict(in grey: Image<UInt8>, box: fd_detection) throws -> [SIMD2<Double>] {
        precondition(grey.channels == 1)
        let layout = forest.layout
        let edges = [box.left, box.top, box.right, box.bottom].map { Int64(($0).rounded(.toNearestOrAwayFromZero)) }
        var toImage = [Double](repeating: 0, count: 6)
        fd_shape_unnormalizing(edges[0], edges[1], edges[2], edges[3], &toImage)
        let initial = forest.initialShape
        var shape = Array(initial)
        var features = [Float](repeating: 0, count: layout.features)
        var similarity = [Float](repeating: 0, count: 4)
        let (anchors, deltas, splitFeatures, thresholds, leaves) = (
            forest.anchors, forest.deltas, forest.splitFeatures, forest.thresholds, forest.leaves
        )
        let values = layout.values
        grey.pixels.withUnsafeBufferPointer { pixels in
            for cascade in 0..<layout.cascades {
                fd_shape_similarity(initial.baseAddress, shape, Int32(values), &similarity)
                // dlib: tform_to_img(tform * delta + anchor point), rounded to the nearest pixel;
                // pixels outside the image read 0.
                for i in 0..<layout.features {
                    let f = cascade * layout.features + i
                    let anchor = Int(anchors[f])
                    let dx = deltas[2 * f]
                    let dy = deltas[2 * f + 1]
                    let x = similarity[0] * dx + similarity[1] * dy + shape[2 * anchor]
                    let y = similarity[2] * dx + similarity[3] * dy + shape[2 * anchor + 1]
                    let pixel = Self.pixel(x, y, toImage)
                    features[i] =
                        pixel.x >= 0 && pixel.y >= 0 && pixel.x < grey.width && pixel.y < grey.height
                        ? Float(pixels[pixel.y * grey.width + pixel.x]) : 0
                }
                for tree in 0..<layout.trees {
                    let base = (cascade * layout.trees + tree) * layout.splits
                    var node = 0
                    while node < layout.splits {
                        let split = base + node
                        let difference =
                            features[Int(splitFeatures[2 * split])] - features[Int(splitFeatures[2 * split + 1])]
                        node = difference > thresholds[split] ? 2 * node + 1 : 2 * node + 2
                    }
                    let leaf = ((cascade * layout.trees + tree) * layout.leaves + node - layout.splits) * values
                    for k in 0..<values { shape[k] += leaves[leaf + k] }
                }
            }
        }
        guard shape.allSatisfy(\.isFinite) else {
            throw ReconstructError(
                .damagedModel, path: url.path, "predicted points that are not finite", reason: LandmarkForest.remedy)
        }
        return (0..<layout.parts).map {
            let p = Self.pixel(shape[2 * $0], shape[2 * $0 + 1], toImage)
            return SIMD2(Double(p.x), Double(p.y))
        }
    }

    /// dlib's `point_transform_affine` (in double) then its rounding to an integer point; a point
    /// that is not finite or is absurdly far (a damaged model) comes back as (-1, -1), outside.
    @inline(__always)
    private static func pixel(_ x: Float, _ y: Float, _ m: [Double]) -> (x: Int, y: Int) {
        let px = (m[0] * Double(x) + m[1] * Double(y) + m[4] + 0.5).rounded(.down)
        let py = (m[2] * Double(x) + m[3] * Double(y) + m[5] + 0.5).rounded(.down)
        guard abs(px) < 1e12, abs(py) < 1e12 else { return (-1, -1) }
        return (Int(px), Int(py))
    }
}

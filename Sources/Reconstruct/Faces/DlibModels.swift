import CDlibBridge
import Formats
import Foundation

/// dlib's frontal HOG face detector (five HOG filters: frontal, turned left/right, rolled left/right).
/// Not safe to use from two threads at once; cheap to create (about 20 ms).
public final class HOGFaceDetector: @unchecked Sendable {
    private let handle: OpaquePointer

    public init() throws {
        var error = [CChar](repeating: 0, count: 512)
        guard let h = fd_hog_detector_create(&error, error.count) else {
            throw ReconstructError(
                .library, "cannot create dlib's face detector", reason: String(nullTerminated: error))
        }
        handle = h
    }

    deinit { fd_hog_detector_destroy(handle) }

    /// Raw detections on a greyscale image, after `upsample` doublings; boxes in the image's
    /// pixel-index coordinates (dlib's: pixel centres at integers, edges inclusive).
    func detect(_ grey: Image<UInt8>, upsample: Int, threshold: Double = 0) throws -> [fd_detection] {
        precondition(grey.channels == 1)
        var error = [CChar](repeating: 0, count: 512)
        var found = [fd_detection](repeating: fd_detection(), count: 64)
        var count: Int32 = 0
        for _ in 0..<2 {
            count = grey.pixels.withUnsafeBufferPointer { px in
                fd_hog_detect(
                    handle, px.baseAddress, Int32(grey.width), Int32(grey.height), Int32(grey.width),
                    Int32(upsample), threshold, &found, Int32(found.count), &error, error.count)
            }
            guard count > found.count else { break }
            found = [fd_detection](repeating: fd_detection(), count: Int(count))
        }
        guard count >= 0 else {
            throw ReconstructError(.library, "dlib's face detector failed", reason: String(nullTerminated: error))
        }
        return Array(found.prefix(Int(count)))
    }
}

/// dlib's shape predictor (an ensemble of regression trees); for the 68-point iBUG model, the file
/// Debian's libdlib-data installs. Loading takes 1–2 s; load once and share. Prediction is read-only.
public final class LandmarkPredictor: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Number of points the model predicts (68 for the iBUG model).
    public let partCount: Int
    public let url: URL

    /// Debian's file (libdlib-data).
    public static let defaultPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    /// Environment variable that overrides `defaultPath`.
    public static let environmentVariable = "FACEDETAIL_LANDMARK_MODEL"

    /// The predictor file to use: an explicit path, else `$FACEDETAIL_LANDMARK_MODEL`, else Debian's.
    public static func resolvedURL(explicit: String?) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: defaultPath)
    }

    public init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ReconstructError(
                .missingData, path: url.path, "landmark model not found",
                reason: "install Debian's libdlib-data, or pass --landmark-model / set \(Self.environmentVariable)")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let h = fd_shape_predictor_load(url.path, &error, error.count) else {
            throw ReconstructError(
                .missingData, path: url.path, "is not a dlib shape predictor", reason: String(nullTerminated: error))
        }
        handle = h
        partCount = Int(fd_shape_predictor_parts(h))
        self.url = url
    }

    deinit { fd_shape_predictor_destroy(handle) }

    /// Points inside `box` (pixel-index coordinates of `grey`), in the same coordinates.
    /// Only a crop around the box is handed to dlib, which samples pixels near the face only.
    func predict(in grey: Image<UInt8>, box: fd_detection) throws -> [SIMD2<Double>] {
        let w = box.right - box.left
        let h = box.bottom - box.top
        let x0 = max(0, Int((box.left - w).rounded(.down)))
        let y0 = max(0, Int((box.top - h).rounded(.down)))
        let x1 = min(grey.width, Int((box.right + w).rounded(.up)) + 1)
        let y1 = min(grey.height, Int((box.bottom + h).rounded(.up)) + 1)
        guard x1 > x0, y1 > y0 else { throw ReconstructError(.invalidArgument, "face box lies outside the image") }
        var xy = [Double](repeating: 0, count: 2 * partCount)
        var error = [CChar](repeating: 0, count: 512)
        let status = grey.pixels.withUnsafeBufferPointer { px in
            fd_shape_predict(
                handle, px.baseAddress! + y0 * grey.width + x0, Int32(x1 - x0), Int32(y1 - y0), Int32(grey.width),
                box.left - Double(x0), box.top - Double(y0), box.right - Double(x0), box.bottom - Double(y0),
                &xy, Int32(xy.count), &error, error.count)
        }
        guard status == 0 else {
            throw ReconstructError(.library, "dlib's landmark predictor failed", reason: String(nullTerminated: error))
        }
        return (0..<partCount).map { SIMD2(xy[2 * $0] + Double(x0), xy[2 * $0 + 1] + Double(y0)) }
    }
}

/// dlib's version, for reports.
public var dlibVersion: String {
    var buffer = [CChar](repeating: 0, count: 32)
    fd_dlib_version(&buffer, buffer.count)
    return String(nullTerminated: buffer)
}

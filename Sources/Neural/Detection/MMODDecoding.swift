/// A box found by an `MMODNetwork`, in pixels of the image: dlib's integer rectangle with
/// inclusive edges (pixel centres at integers), its score and the window that found it.
public struct MMODDetection: Sendable, Equatable {
    public let left: Int, top: Int, right: Int, bottom: Int
    /// The score map's value; above 0 is a detection at dlib's own threshold.
    public let score: Double
    public let window: Int
    /// Level of the pyramid the detection came from (0 = the image itself).
    public let level: Int

    public init(left: Int, top: Int, right: Int, bottom: Int, score: Double, window: Int, level: Int) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
        (self.score, self.window, self.level) = (score, window, level)
    }

    /// Intersection over union with `other` (inclusive pixel edges).
    public func overlap(with other: MMODDetection) -> Double {
        let iw = min(right, other.right) - max(left, other.left) + 1
        let ih = min(bottom, other.bottom) - max(top, other.top) + 1
        guard iw > 0, ih > 0 else { return 0 }
        let inner = Double(iw * ih)
        return inner / (Double(area + other.area) - inner)
    }

    var area: Int { (right - left + 1) * (bottom - top + 1) }
}

extension MMODNetwork {
    /// Detections scoring above `threshold`, strongest first, after non-max suppression: dlib's
    /// `loss_mmod_::to_label` (without bounding-box regression, which the face model does not use).
    public func detect(rgb: [UInt8], width: Int, height: Int, threshold: Double = 0, buffers: inout Buffers) throws
        -> [MMODDetection]
    {
        let (maps, pyramid) = try scores(rgb: rgb, width: width, height: height, buffers: &buffers)
        return decode(maps, pyramid: pyramid, threshold: threshold)
    }

    /// Every window position above `threshold` as an image box, then greedy suppression in
    /// order of score (ties in scan order).
    func decode(_ maps: Tensor, pyramid: TiledPyramid, threshold: Double) -> [MMODDetection] {
        let (rows, cols) = (maps.shape[2], maps.shape[3])
        var found: [(detection: MMODDetection, order: Int)] = []
        for (k, window) in settings.windows.enumerated() {
            for r in 0..<rows {
                for c in 0..<cols {
                    let score = Double(maps.values[(k * rows + r) * cols + c])
                    guard score > threshold else { continue }
                    let p = canvasPoint(column: c, row: r)
                    let (hw, hh) = (Double(window.width - 1) / 2, Double(window.height - 1) / 2)
                    let (box, level) = pyramid.imageRectangle(canvas: (p.x - hw, p.y - hh, p.x + hw, p.y + hh))
                    func pixel(_ v: Double) -> Int { Int((v + 0.5).rounded(.down)) }
                    let detection = MMODDetection(
                        left: pixel(box.left), top: pixel(box.top), right: pixel(box.right),
                        bottom: pixel(box.bottom), score: score, window: k, level: level)
                    found.append((detection, found.count))
                }
            }
        }
        found.sort { a, b in
            a.detection.score != b.detection.score ? a.detection.score > b.detection.score : a.order < b.order
        }
        var kept: [MMODDetection] = []
        for (candidate, _) in found where !kept.contains(where: { suppresses($0, candidate) }) {
            kept.append(candidate)
        }
        return kept
    }

    /// dlib's `test_box_overlap` on integer rectangles: the intersection over the pair's
    /// bounding rectangle, or over either box.
    func suppresses(_ a: MMODDetection, _ b: MMODDetection) -> Bool {
        let iw = min(a.right, b.right) - max(a.left, b.left) + 1
        let ih = min(a.bottom, b.bottom) - max(a.top, b.top) + 1
        guard iw > 0, ih > 0 else { return false }
        let inner = Double(iw * ih)
        let outer = Double(
            (max(a.right, b.right) - min(a.left, b.left) + 1) * (max(a.bottom, b.bottom) - min(a.top, b.top) + 1))
        return inner / outer > settings.overlap || inner / Double(a.area) > settings.covered
            || inner / Double(b.area) > settings.covered
    }
}

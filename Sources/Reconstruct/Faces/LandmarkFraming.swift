import Formats
import Foundation

/// Landmarks from a CNN detection. dlib's predictor was trained on HOG boxes of near-upright
/// faces, and the CNN's box differs from those most where it matters: for a turned head the HOG
/// box sits over the visible half of the face, and for a rolled head (which the CNN finds up to
/// about ±60°) no upright box frames it. So, per face: run HOG around the CNN box, in the crop
/// as it is or turned by ±30 or ±60°, and start from HOG's box where it finds the face (exact
/// framing, turned back afterwards); otherwise start from the CNN box mapped by
/// `PredictorFraming`. `refined` then predicts rolled faces again, turned level.
extension FaceFinder {
    /// Turns of the crop in which HOG looks for the face (degrees; ties go to the earlier).
    static let framingTurns: [Double] = [0, -30, 30, -60, 60]

    /// The candidate's points in photo pixels; `image` is the greyscale detection image its box
    /// lives in (turned, for a candidate of a turned pass).
    func cnnLandmarks(_ candidate: Candidate, in image: Image<UInt8>) throws -> [SIMD2<Double>] {
        let box = candidate.box
        let margin = box.width
        var x0 = max(0, Int((box.left - margin).rounded(.down)))
        var y0 = max(0, Int((box.top - margin).rounded(.down)))
        var x1 = min(image.width, Int((box.right + margin).rounded(.up)) + 1)
        var y1 = min(image.height, Int((box.bottom + margin).rounded(.up)) + 1)
        // HOG's choice among its scales shifts with the image it scans (its pyramid levels are
        // 1.2× apart): when the crop would be most of the image, scan the image itself, so a
        // portrait's face gets the box the HOG detector gives (bench truth: landmarks 5.8 → 5.4 %
        // of IOD against the true projections).
        if (x1 - x0) * (y1 - y0) * 2 >= image.width * image.height {
            (x0, y0, x1, y1) = (0, 0, image.width, image.height)
        }
        let crop =
            x1 - x0 == image.width && y1 - y0 == image.height
            ? image : image.cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        let offset = SIMD2(Double(x0), Double(y0))

        // HOG's own box where it finds this face: in the crop as it is when one of its upright
        // filters finds it there; else, of the crop turned by ±30 or ±60°, the best-scoring turn
        // where an upright filter finds it (there its box frames the face as the predictor
        // expects), else the best where a rolled filter does.
        let upsample = box.width < Self.hogWindow * 1.25 ? 1 : 0
        var best: (box: PixelBox, rank: (Int, Double), turn: Double)?
        for turn in options.hogFraming ? Self.framingTurns : [] {
            let inverse = ImageRotation(degrees: -turn, width: crop.width, height: crop.height)
            let c = box.centre - offset + 0.5
            let (cx, cy) = inverse.toSource(c.x, c.y)
            let centre = SIMD2(cx - 0.5, cy - 0.5)  // the CNN box's centre in the turned crop
            let turned =
                turn == 0
                ? crop : crop.rotated(by: ImageRotation(degrees: turn, width: crop.width, height: crop.height))
            for h in try detector.detect(turned, upsample: upsample, threshold: 0) {
                let hb = PixelBox(left: h.left, top: h.top, right: h.right, bottom: h.bottom)
                let d = hb.centre - centre
                guard (d * d).sum().squareRoot() < box.width / 3, hb.width > box.width * 0.6, hb.width < box.width * 1.6
                else { continue }
                // HOG's filters 3 and 4 are its rolled ones: a face they find is not upright in this turn.
                let rank = (h.filter <= 2 ? 1 : 0, h.confidence)
                if best == nil || rank > best!.rank { best = (hb, rank, turn) }
            }
            // Upright in the crop as it is: HOG's box there is the one the predictor expects.
            if turn == 0, let found = best, found.rank.0 == 1 { break }
        }
        // Else the mapped CNN box, upright.
        let (start, turn) = best.map { ($0.box, $0.turn) } ?? (candidate.predictorBox.translated(by: -offset), 0.0)
        let rotation = ImageRotation(degrees: turn, width: crop.width, height: crop.height)
        let turned = turn == 0 ? crop : crop.rotated(by: rotation)
        return try predictor.predict(in: turned, box: start.detection).map { p -> SIMD2<Double> in
            let (x, y) = rotation.toSource(p.x + 0.5, p.y + 0.5)
            return candidate.toPhoto(SIMD2(x - 0.5, y - 0.5) + offset)
        }
    }

    /// A rolled face's eye line must be at least this far from level (degrees) for `refined` to
    /// predict again: on upright faces a second prediction from the implied box measured worse
    /// against rendered truth (`bench truth`: 5.4 → 5.9 % of IOD with HOG boxes) than the first
    /// from the detector's own framing.
    static let refineFromRoll = 10.0

    /// A second prediction for a rolled face: turned level by the first prediction's eye line
    /// and framed by the box its points imply (`PredictorFraming.box(implying:)`), in a crop of
    /// the full-resolution photo. Points in and out in photo pixels (corner-based); upright
    /// faces come back unchanged.
    func refined(_ points: [SIMD2<Double>], grey: Image<UInt8>) throws -> [SIMD2<Double>] {
        guard abs(Self.eyeLineDegrees(points)) >= Self.refineFromRoll else { return points }
        let xs = points.map(\.x)
        let ys = points.map(\.y)
        let side = max(xs.max()! - xs.min()!, ys.max()! - ys.min()!)
        let x0 = max(0, Int((xs.min()! - side).rounded(.down)))
        let y0 = max(0, Int((ys.min()! - side).rounded(.down)))
        let x1 = min(grey.width, Int((xs.max()! + side).rounded(.up)))
        let y1 = min(grey.height, Int((ys.max()! + side).rounded(.up)))
        guard x1 - x0 > 8, y1 - y0 > 8 else { return points }
        let crop = grey.cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        let offset = SIMD2(Double(x0), Double(y0))
        let roll = Self.eyeLineDegrees(points)
        let rotation = ImageRotation(degrees: roll, width: crop.width, height: crop.height)
        let inverse = ImageRotation(degrees: -roll, width: crop.width, height: crop.height)
        let local = points.map { p -> SIMD2<Double> in
            let (x, y) = inverse.toSource(p.x - offset.x, p.y - offset.y)
            return SIMD2(x - 0.5, y - 0.5)
        }
        let turned = abs(roll) < 0.5 ? crop : crop.rotated(by: rotation)
        let again = try predictor.predict(in: turned, box: PredictorFraming.box(implying: local).detection)
        return again.map { p in
            let (x, y) = abs(roll) < 0.5 ? (p.x + 0.5, p.y + 0.5) : rotation.toSource(p.x + 0.5, p.y + 0.5)
            return SIMD2(x, y) + offset
        }
    }

    /// The angle of the line from the right eye's centre to the left eye's (image y down), degrees.
    static func eyeLineDegrees(_ points: [SIMD2<Double>]) -> Double {
        func centre(_ r: ClosedRange<Int>) -> SIMD2<Double> { r.map { points[$0] }.reduce(.zero, +) / Double(r.count) }
        let d = centre(Landmarks68.leftEye) - centre(Landmarks68.rightEye)
        return atan2(d.y, d.x) * 180 / .pi
    }
}

extension Candidate {
    /// A point of the detection image (pixel indices) in photo pixels (corner-based).
    func toPhoto(_ p: SIMD2<Double>) -> SIMD2<Double> {
        if let rotation {
            let (x, y) = rotation.toSource(p.x + 0.5, p.y + 0.5)
            return SIMD2(x * scale, y * scale)
        }
        return (p + 0.5) * scale
    }
}

extension Image where Pixel == UInt8 {
    /// The pixels of the rectangle (x, y, width, height), which must lie inside the image.
    func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image<UInt8> {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height)
        var out = Image<UInt8>(width: w, height: h, channels: channels)
        let n = channels
        for row in 0..<h {
            let from = ((y + row) * width + x) * n
            out.pixels.replaceSubrange((row * w * n)..<((row + 1) * w * n), with: pixels[from..<(from + w * n)])
        }
        return out
    }
}

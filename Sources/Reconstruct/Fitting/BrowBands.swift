import Foundation

/// Where the eyebrows really are: dlib's 68-point predictor places the brow points mostly from its
/// shape prior, a fixed height above the eyes. On the render-truth set it does not follow a brow
/// raise at all (its brow points sat 0.20 of the inter-ocular distance, about 13 mm, below the
/// raised brows' true projection) nor a frown, so the landmark fit never sees either expression.
/// The brows are, on nearly every face, the darkest band between the eyes and the hairline; this
/// finds it.
///
/// For each brow point, the photo's linear luminance is read along the face's up direction in the
/// image (the fitted camera's image of the model's +y axis), averaged across a strip along the
/// brow and smoothed along the profile. A dark band from `below` under to `above` over the
/// detected point, and at least `eyeClearance` above the eye's upper lid, with brighter skin on
/// both sides, is the brow (`shift`); fair or hidden brows keep the detected point. Each brow's shifts are then median-filtered over
/// its five points so one stray dark pixel cannot bend it. All lengths are fractions of the
/// inter-ocular distance.
struct BrowBands {
    var below = 0.08
    var above = 0.35
    var eyeClearance = 0.10
    /// Profile spacing, smoothing half-width, and the strip's half-width across the profile.
    var step = 0.01
    var smoothing = 2
    var stripHalfWidth = 0.05
    /// How far each side of a band must reach its brighter surround, and by how much darker (a
    /// relative drop in linear luminance) the band must be.
    var margin = 0.1
    var minimumContrast = 0.2

    /// The landmarks with the brow points 17–26 moved onto the dark band (photo pixels), and which
    /// of them the band located (the others keep the detected point).
    struct Result {
        let landmarks: Landmarks68
        let located: Set<Int>
    }

    func refine(_ landmarks: Landmarks68, camera: PerspectiveCamera, pyramid: GreyPyramid) -> Result {
        var up = SIMD2(camera.rotation[0].y, -camera.rotation[1].y)
        let length = (up * up).sum().squareRoot()
        guard length > 1e-9 else { return Result(landmarks: landmarks, located: []) }
        up /= length
        let iod = landmarks.interocularDistance
        var points = landmarks.points
        var located = Set<Int>()
        for (brow, lid) in [(Landmarks68.rightBrow, [37, 38]), (Landmarks68.leftBrow, [43, 44])] {
            let lidHeight = lid.map { (landmarks[$0] * up).sum() }.max()!
            let along = landmarks[brow.upperBound] - landmarks[brow.lowerBound]
            let alongLength = (along * along).sum().squareRoot()
            guard alongLength > 1e-9 else { continue }
            let across = along / alongLength
            let shifts = brow.map { k -> Double? in
                let p = landmarks[k]
                let lowest = max(-below, (lidHeight - (p * up).sum()) / iod + eyeClearance)
                return shift(at: p, up: up, across: across, iod: iod, from: lowest, pyramid: pyramid)
            }
            for (offset, k) in brow.enumerated() {
                let window = shifts[max(offset - 1, 0)...min(offset + 1, shifts.count - 1)]
                guard window.contains(where: { $0 != nil }) else { continue }
                // The median of three; at a brow's end, of the two the smaller move.
                let sorted = window.map { $0 ?? 0 }.sorted()
                let median =
                    sorted.count % 2 == 1
                    ? sorted[sorted.count / 2] : [sorted[0], sorted[1]].min(by: { abs($0) < abs($1) })!
                points[k] = landmarks[k] + median * iod * up
                located.insert(k)
            }
        }
        return Result(landmarks: Landmarks68(points: points), located: located)
    }

    /// The band along the profile at `p` (fraction of IOD along `up`): a local minimum darker, by
    /// `minimumContrast`, than the brightest place within `margin` on each side of it (lid skin
    /// below, forehead above) — of those, the nearest to the detected point (a fringe of hair
    /// further up can be darker than a fair brow); nil when none is or the profile leaves the
    /// photo. Asking for brightness on both sides keeps the lower edge of a fringe (hair above it)
    /// from passing for a brow.
    private func shift(
        at p: SIMD2<Double>, up: SIMD2<Double>, across: SIMD2<Double>, iod: Double, from lowest: Double,
        pyramid: GreyPyramid
    ) -> Double? {
        guard lowest < above else { return nil }
        let sideSteps = Int((margin / step).rounded())
        let start = lowest - Double(sideSteps) * step
        let count = Int(((above - start) / step).rounded(.down)) + 1 + sideSteps
        var profile: [Double] = []
        profile.reserveCapacity(count)
        for i in 0..<count {
            let t = start + Double(i) * step
            var total = 0.0
            for s in stride(from: -stripHalfWidth, through: stripHalfWidth + 1e-9, by: stripHalfWidth / 2) {
                guard let v = pyramid.sample(0, at: p + (t * up + s * across) * iod) else { return nil }
                total += v.value
            }
            profile.append(total)
        }
        let smoothed = profile.indices.map { i in
            let window = profile[max(i - smoothing, 0)...min(i + smoothing, count - 1)]
            return window.reduce(0, +) / Double(window.count)
        }
        var best: Double? = nil
        for i in sideSteps..<(count - sideSteps) {
            guard smoothed[i] <= smoothed[i - 1], smoothed[i] <= smoothed[i + 1] else { continue }
            let below = smoothed[(i - sideSteps)..<i].max()!
            let over = smoothed[(i + 1)...(i + sideSteps)].max()!
            let side = min(below, over)
            guard side > 0, 1 - smoothed[i] / side >= minimumContrast else { continue }
            let t = start + Double(i) * step
            if abs(t) < abs(best ?? .infinity) { best = t }
        }
        return best
    }
}

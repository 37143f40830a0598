import Foundation

/// The dense fit's contour term: the face's occluding outline should lie on an image edge. The
/// jaw and cheek outline carries much of the face's width, which neither the 17 jaw landmarks
/// (sparse, and placed by a detector trained on other outlines) nor the shading (an albedo that
/// follows the image absorbs it) pin down.
///
/// Each step, the candidate vertices of `ContourCandidates` (the outer band of the face) that are
/// seen edge-on — their normal within `grazingCosine` of perpendicular to the ray — are the
/// outline. From each one's projection the search runs along the outline's image normal (the
/// projected surface normal) for `searchPixels` level pixels each way and takes the strongest
/// luminance step there, weighted toward the start; a step weaker than `minimumGradient` (linear
/// luminance per photo pixel) is no edge and drops the point. The residual is the signed distance
/// along that normal to the edge (point-to-line, as in ICP), held for one Levenberg–Marquardt step.
struct OccludingContour {
    static let grazingCosine = 0.15
    static let searchPixels = 6
    static let minimumGradient = 0.004
    /// Outline normals steeper than this (|image y| of the unit normal) are the jaw's underside.
    static let maximumVertical = 0.6
    /// Below this |sin yaw| the face counts as frontal and both cheeks' outlines are used.
    static let frontalSine = 0.17

    let rows: ModelRows
    /// Mean-face normals of the candidates (model axes): the outline is chosen with them.
    let normals: [SIMD3<Double>]

    init(model: MorphableModel) {
        let vertices = model.contourCandidates.right + model.contourCandidates.left
        rows = ModelRows(model: model, vertices: vertices)
        let mesh = model.mesh().normals
        normals = vertices.map { SIMD3<Double>(mesh[$0]) }
    }

    /// One outline point matched to an edge: which candidate, the outline's unit image normal and
    /// the edge point (photo pixels).
    struct Match {
        let index: Int
        let direction: SIMD2<Double>
        let edge: SIMD2<Double>
    }

    /// The outline's points matched to edges on pyramid level `level`.
    func match(
        camera: PerspectiveCamera, identity: [Double], expression: [Double], pyramid: GreyPyramid, level: Int
    ) -> [Match] {
        let positions = rows.positions(identity: identity, expression: expression)
        let step = pyramid.levels[level].step
        var out: [Match] = []
        // Which way the face looks in the image: its forward axis's image x.
        let facing = camera.rotation[0].z
        for i in positions.indices {
            let p = positions[i]
            let n = normals[i]
            guard abs((camera.directionToCamera(from: p) * n).sum()) < Self.grazingCosine else { continue }
            let nc = camera.camera(n)
            let d = SIMD2(nc.x, -nc.y)
            let length = (d * d).sum().squareRoot()
            guard length > 0.5 else { continue }
            let direction = d / length
            // The cheeks' outline only (not the jaw's underside over the neck), and on a turned head
            // the far side only: the near side's grazing band lies over the ear and hair, in front of
            // the head's real outline.
            guard abs(direction.y) < Self.maximumVertical else { continue }
            if abs(facing) > Self.frontalSine, (direction.x > 0) != (facing > 0) { continue }
            let start = camera.project(p)
            var best = 0.0
            var bestOffset: Double? = nil
            for t in -Self.searchPixels...Self.searchPixels {
                let offset = Double(t) * step
                guard let s = pyramid.sample(level, at: start + offset * direction) else { continue }
                let strength = abs((s.gradient * direction).sum())
                guard strength >= Self.minimumGradient else { continue }
                let prefer = strength * exp(-Double(t * t) / Double(2 * Self.searchPixels * Self.searchPixels))
                if prefer > best { (best, bestOffset) = (prefer, offset) }
            }
            if let bestOffset {
                out.append(Match(index: i, direction: direction, edge: start + bestOffset * direction))
            }
        }
        return out
    }

    /// Signed distance (pixels) of each matched point's projection from its edge, along the normal.
    func residuals(_ matches: [Match], camera: PerspectiveCamera, identity: [Double], expression: [Double]) -> [Double]
    {
        let positions = rows.positions(of: matches.map(\.index), identity: identity, expression: expression)
        return zip(matches, positions).map { m, p in ((camera.project(p) - m.edge) * m.direction).sum() }
    }

    /// Adds the matched points' rows (Huber-weighted at `huber` σ, each at `weight` / σ²).
    func accumulate(
        into system: inout NormalSystem, _ matches: [Match], camera: PerspectiveCamera, identity: [Double],
        expression: [Double], sigma: Double, weight: Double, huber: Double
    ) {
        let n = system.n
        let poseCount = PerspectiveCamera.poseParameterCount
        let positions = rows.positions(of: matches.map(\.index), identity: identity, expression: expression)
        var row = [Double](repeating: 0, count: n)
        row.withUnsafeMutableBufferPointer { row in
            let r = row.baseAddress!
            for (m, p) in zip(matches, positions) {
                let d = camera.projectionDerivatives(at: p)
                let f = ((d.pixel - m.edge) * m.direction).sum()
                for j in 0..<n { r[j] = 0 }
                let pose = m.direction.x * d.pose.x + m.direction.y * d.pose.y
                for j in 0..<poseCount { r[j] = pose[j] }
                rows.accumulate(
                    m.index, m.direction.x * d.point.x + m.direction.y * d.point.y, into: r, offset: poseCount)
                let x = abs(f) / sigma
                system.add(
                    UnsafePointer(r), residual: f, weight: weight * (x <= huber ? 1 : huber / x) / (sigma * sigma))
            }
        }
    }
}

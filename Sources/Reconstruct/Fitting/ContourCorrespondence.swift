/// Re-chooses which model vertex each 2D jaw-contour landmark (0–7, 9–16) corresponds to, under
/// the current pose and shape (see `ContourCandidates` for why the correspondence moves).
///
/// Among the side's candidates, only those near the occluding outline count: vertices whose
/// mean-shape normal, turned into the camera frame, is within `silhouetteCosine` of perpendicular
/// to the viewing direction. Of those, the one whose projection is nearest the landmark wins; when
/// none is near the outline (an extreme pose), every candidate competes.
struct ContourCorrespondence {
    static let rightLandmarks = Array(0...7)
    static let leftLandmarks = Array(9...16)
    /// |n_z| below this counts as "on the outline" (about 60° or more from facing the camera).
    static let silhouetteCosine = 0.5

    let right: ModelRows
    let left: ModelRows
    let rightNormals: [SIMD3<Double>]
    let leftNormals: [SIMD3<Double>]

    init(model: MorphableModel, meanNormals: [SIMD3<Float>]) {
        right = ModelRows(model: model, vertices: model.contourCandidates.right)
        left = ModelRows(model: model, vertices: model.contourCandidates.left)
        rightNormals = model.contourCandidates.right.map { SIMD3<Double>(meanNormals[$0]) }
        leftNormals = model.contourCandidates.left.map { SIMD3<Double>(meanNormals[$0]) }
    }

    /// Rows for each of landmarks 0–7 then 9–16, the vertices chosen.
    func choose(landmarks: Landmarks68, camera: PerspectiveCamera, identity: [Double], expression: [Double])
        -> ModelRows
    {
        func side(_ rows: ModelRows, _ normals: [SIMD3<Double>], _ indices: [Int]) -> [Int] {
            // On the outline: the normal perpendicular to the ray toward the camera centre.
            let positions = rows.positions(of: Array(normals.indices), identity: identity, expression: expression)
            let outline = normals.indices.filter {
                abs((camera.directionToCamera(from: positions[$0]) * normals[$0]).sum()) < Self.silhouetteCosine
            }
            let pool = outline.isEmpty ? Array(normals.indices) : outline
            let projected = pool.map { camera.project(positions[$0]) }
            return indices.map { l in
                let target = landmarks[l]
                var best = 0
                var bestDistance = Double.infinity
                for (c, q) in projected.enumerated() {
                    let d = q - target
                    let dd = (d * d).sum()
                    if dd < bestDistance { (best, bestDistance) = (c, dd) }
                }
                return pool[best]
            }
        }
        let r = right.subset(side(right, rightNormals, Self.rightLandmarks))
        let l = left.subset(side(left, leftNormals, Self.leftLandmarks))
        return ModelRows(merging: r, l)
    }

    /// Rows of the model's own jaw landmark vertices, the starting correspondence.
    func initial(model: MorphableModel) -> ModelRows {
        ModelRows(model: model, vertices: (Self.rightLandmarks + Self.leftLandmarks).map { model.landmarkVertices[$0] })
    }
}

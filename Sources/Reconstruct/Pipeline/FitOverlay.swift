import Formats

/// The `--debug` picture of a proxy fit: the mesh wireframe (faint), the detected landmarks (red)
/// and the fitted model's landmarks (green) over the photo.
func fitOverlay(result: ProxyReconstructor.Result, model: MorphableModel) -> Image<UInt8> {
    var canvas = result.photo.rgb
    let camera = result.fit.camera
    let projected = result.shape.map { camera.project(SIMD3<Double>($0)) }
    let size = max(result.face.box.width, result.face.box.height)
    var corner = 0
    for polygon in model.polygonSizes {
        let n = Int(polygon)
        for k in 0..<n {
            let a = Int(model.polygonVertices[corner + k])
            let b = Int(model.polygonVertices[corner + (k + 1) % n])
            if a < b { canvas.line(from: projected[a], to: projected[b], SIMD3(120, 200, 255)) }
        }
        corner += n
    }
    let radius = max(1.5, size / 120)
    for p in result.fit.landmarks.points { canvas.dot(at: p, radius: radius, SIMD3(255, 0, 0)) }
    for p in result.fit.fittedLandmarks.points { canvas.dot(at: p, radius: radius * 0.7, SIMD3(0, 230, 0)) }
    return canvas
}

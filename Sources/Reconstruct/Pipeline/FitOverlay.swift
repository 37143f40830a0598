import Formats

/// The `--debug` picture of a proxy fit: the fitted proxy as clay over the photo (`ClayRender`),
/// the detected landmarks (red) and the fitted model's landmarks (green).
func fitOverlay(result: ProxyReconstructor.Result, model: MorphableModel) -> Image<UInt8> {
    var canvas = ClayRender().render(
        photo: result.photo, model: model, shape: result.shape, camera: result.fit.camera)
    let size = max(result.face.box.width, result.face.box.height)
    let radius = max(1.5, size / 120)
    for p in result.fit.landmarks.points { canvas.dot(at: p, radius: radius, SIMD3(255, 0, 0)) }
    for p in result.fit.fittedLandmarks.points { canvas.dot(at: p, radius: radius * 0.7, SIMD3(0, 230, 0)) }
    return canvas
}

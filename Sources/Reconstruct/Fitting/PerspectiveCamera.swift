import Foundation

/// A pinhole camera in the weak-perspective camera's terms, so that the two are one family:
///
///     X' = R X,   w = 1 − κ X'_z,
///     image x = c_x + (s X'_x + t_x − c_x) / w,   image y = c_y + (t_y − c_y − s X'_y) / w
///
/// R rotates model axes into camera axes (x right, y up, z toward the viewer), s is pixels per mm
/// at the depth of the model origin, t the image position of the model origin (pixels), c the
/// principal point (pixels) and κ = 1 / D the inverse distance from the camera centre to the model
/// origin along the optical axis (1/mm). The focal length is s / κ pixels. κ = 0 is exactly the
/// `ScaledOrthographicCamera` (an infinitely distant camera); at a portrait distance of 0.5 m the
/// 100 mm depth of a head changes the image scale by 20 %, which an orthographic camera cannot hold
/// (`bench truth`'s orthographic control misregisters the texture by 4 mm on the true shape).
public struct PerspectiveCamera: Sendable, Equatable {
    /// Rows of R.
    public var rotation: [SIMD3<Double>]
    /// Pixels per mm at the model origin's depth.
    public var scale: Double
    /// Image position of the model origin, pixels.
    public var translation: SIMD2<Double>
    /// 1 / distance of the model origin from the camera centre along the optical axis, 1/mm (0: orthographic).
    public var inverseDistance: Double
    /// Principal point, pixels (the image centre).
    public var principalPoint: SIMD2<Double>

    public init(
        rotation: [SIMD3<Double>], scale: Double, translation: SIMD2<Double>, inverseDistance: Double,
        principalPoint: SIMD2<Double>
    ) {
        precondition(rotation.count == 3)
        self.rotation = rotation
        self.scale = scale
        self.translation = translation
        self.inverseDistance = inverseDistance
        self.principalPoint = principalPoint
    }

    /// The weak-perspective camera as the κ = 0 member of the family, or, given a focal length
    /// (pixels), the pinhole camera with the same pose and image scale at the model origin.
    public init(_ camera: ScaledOrthographicCamera, focalPixels: Double? = nil, principalPoint: SIMD2<Double>) {
        self.init(
            rotation: camera.rotation, scale: camera.scale, translation: camera.translation,
            inverseDistance: focalPixels.map { camera.scale / $0 } ?? 0, principalPoint: principalPoint)
    }

    /// Focal length, pixels (nil for the orthographic member).
    public var focalPixels: Double? { inverseDistance > 0 ? scale / inverseDistance : nil }

    /// Distance of the model origin from the camera centre along the optical axis, mm (nil: orthographic).
    public var distanceMillimetres: Double? { inverseDistance > 0 ? 1 / inverseDistance : nil }

    /// Camera axes of a model point, relative to the model origin (not to the camera centre).
    public func camera(_ p: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((rotation[0] * p).sum(), (rotation[1] * p).sum(), (rotation[2] * p).sum())
    }

    public func project(_ p: SIMD3<Double>) -> SIMD2<Double> {
        let q = camera(p)
        let w = 1 - inverseDistance * q.z
        return principalPoint
            + SIMD2(scale * q.x + translation.x - principalPoint.x, translation.y - principalPoint.y - scale * q.y) / w
    }

    /// Photo position and a depth in pixel-sized units, larger nearer the camera (monotone along
    /// every viewing ray, as `TextureUnwrapper` needs).
    public func projectWithDepth(_ p: SIMD3<Double>) -> SIMD3<Double> {
        let xy = project(p)
        return SIMD3(xy.x, xy.y, scale * (rotation[2] * p).sum())
    }

    /// Pixels per mm of a small patch facing the camera at `p`.
    public func pixelsPerMillimetre(at p: SIMD3<Double>) -> Double {
        scale / (1 - inverseDistance * (rotation[2] * p).sum())
    }

    /// The unit direction from `p` toward the camera centre, model axes (R's third row when orthographic).
    public func directionToCamera(from p: SIMD3<Double>) -> SIMD3<Double> {
        guard inverseDistance > 0 else { return rotation[2] }
        // The camera centre in camera axes relative to the model origin: on the ray through the
        // principal point, at distance D.
        let d = 1 / inverseDistance
        let offset = (translation - principalPoint) / scale
        let centre = SIMD3(-offset.x, offset.y, d)
        let c = rotation[0] * centre.x + rotation[1] * centre.y + rotation[2] * centre.z
        let v = c - p
        return v / (v * v).sum().squareRoot()
    }

    /// ∂(image x, image y)/∂X at a model point: the two rows of the projection's Jacobian, model
    /// axes, pixels per mm. The fit's linear steps use them as the affine camera's rows locally.
    public func jacobian(at p: SIMD3<Double>) -> (SIMD3<Double>, SIMD3<Double>) {
        let q = camera(p)
        let w = 1 - inverseDistance * q.z
        let nx = scale * q.x + translation.x - principalPoint.x
        let ny = translation.y - principalPoint.y - scale * q.y
        let k = inverseDistance / (w * w)
        let rx = SIMD3(scale / w, 0, nx * k)
        let ry = SIMD3(0, -scale / w, ny * k)
        func toModel(_ r: SIMD3<Double>) -> SIMD3<Double> {
            rotation[0] * r.x + rotation[1] * r.y + rotation[2] * r.z
        }
        return (toModel(rx), toModel(ry))
    }

    /// The pose's weak-perspective part (the same R, s and t).
    public var scaledOrthographic: ScaledOrthographicCamera {
        ScaledOrthographicCamera(rotation: rotation, scale: scale, translation: translation)
    }

    /// Yaw, pitch and roll in degrees (`ScaledOrthographicCamera.eulerDegrees`).
    public var eulerDegrees: (yaw: Double, pitch: Double, roll: Double) { scaledOrthographic.eulerDegrees }
}

extension PerspectiveCamera {
    /// The camera that best reprojects `points` (model, mm) onto `pixels`, from `initial`, by
    /// Levenberg–Marquardt over the pose: a rotation increment (3), t (2) and log s (1), with the
    /// focal length s / κ held at the initial camera's (an orthographic initial camera stays
    /// orthographic). Returns the initial camera when no step lowers the error.
    public func refined(points: [SIMD3<Double>], pixels: [SIMD2<Double>], iterations: Int = 8) -> PerspectiveCamera {
        func make(_ base: PerspectiveCamera, _ x: [Double]) -> PerspectiveCamera { base.stepped(by: x[...]) }
        func residuals(_ c: PerspectiveCamera) -> [Double] {
            zip(pixels, points).flatMap { q, p -> [Double] in
                let r = q - c.project(p)
                return [r.x, r.y]
            }
        }
        func cost(_ r: [Double]) -> Double { r.reduce(0) { $0 + $1 * $1 } }
        var current = self
        var r = residuals(current)
        var lambda = 1e-3
        let steps = [1e-6, 1e-6, 1e-6, 1e-3, 1e-3, 1e-6]
        for _ in 0..<iterations {
            // Forward-difference Jacobian of the residuals in the six parameters.
            var columns: [[Double]] = []
            for j in 0..<6 {
                var x = [Double](repeating: 0, count: 6)
                x[j] = steps[j]
                let shifted = residuals(make(current, x))
                columns.append(zip(shifted, r).map { ($0 - $1) / steps[j] })
            }
            var h = [Double](repeating: 0, count: 36)
            var g = [Double](repeating: 0, count: 6)
            for a in 0..<6 {
                for b in a..<6 {
                    let v = zip(columns[a], columns[b]).reduce(0) { $0 + $1.0 * $1.1 }
                    h[a * 6 + b] = v
                    h[b * 6 + a] = v
                }
                // The residual is q − project, so the step that lowers it solves H x = −Jᵀ r.
                g[a] = -zip(columns[a], r).reduce(0) { $0 + $1.0 * $1.1 }
            }
            var improved = false
            for _ in 0..<6 {
                var damped = h
                for a in 0..<6 { damped[a * 6 + a] *= 1 + lambda }
                guard let x = DenseSolve.choleskySolve(damped, g, n: 6) else { break }
                let candidate = make(current, x)
                let next = residuals(candidate)
                if cost(next) < cost(r) {
                    current = candidate
                    r = next
                    lambda = max(lambda / 10, 1e-9)
                    improved = true
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return current
    }

    /// R · exp([ω]×)ᵀ-style update: the rows rotated by the small rotation ω (radians, camera axes),
    /// re-orthonormalised.
    static func rotate(_ rows: [SIMD3<Double>], by omega: SIMD3<Double>) -> [SIMD3<Double>] {
        let angle = (omega * omega).sum().squareRoot()
        guard angle > 0 else { return rows }
        let k = omega / angle
        let (c, s) = (cos(angle), sin(angle))
        // Rodrigues' rotation matrix of ω, applied on the left (in camera axes).
        let kx: [SIMD3<Double>] = [SIMD3(0, -k.z, k.y), SIMD3(k.z, 0, -k.x), SIMD3(-k.y, k.x, 0)]
        var m: [SIMD3<Double>] = []
        for i in 0..<3 {
            var row = SIMD3<Double>.zero
            for j in 0..<3 {
                let kk = k[i] * k[j]
                row[j] = (i == j ? c : 0) + s * kx[i][j] + (1 - c) * kk
            }
            m.append(row)
        }
        let turned = ScaledOrthographicCamera.multiply(m, rows)
        return ScaledOrthographicCamera.orthonormalRows(turned[0], turned[1])
    }
}

/// What a photo says about its camera's lens: the focal length in pixels and the principal point.
public struct CameraIntrinsics: Sendable, Equatable, Codable {
    public var focalPixels: Double
    public var principalPoint: SIMD2<Double>

    public init(focalPixels: Double, principalPoint: SIMD2<Double>) {
        self.focalPixels = focalPixels
        self.principalPoint = principalPoint
    }

    /// From a 35 mm-equivalent focal length (EXIF's FocalLengthIn35mmFilm): the equivalence is by
    /// the diagonal, so f_pixels = f_35 · (image diagonal in pixels) / 43.27 mm, the diagonal of a
    /// 36 × 24 mm frame. The principal point is the image centre.
    public init(equivalentFocalMillimetres f35: Double, width: Int, height: Int) {
        let diagonal = (Double(width * width + height * height)).squareRoot()
        self.init(
            focalPixels: f35 * diagonal / Self.fullFrameDiagonal,
            principalPoint: SIMD2(Double(width), Double(height)) / 2)
    }

    /// The 35 mm equivalent of a focal length in pixels on a `width` × `height` image.
    public static func equivalentFocalMillimetres(focalPixels: Double, width: Int, height: Int) -> Double {
        focalPixels * fullFrameDiagonal / (Double(width * width + height * height)).squareRoot()
    }

    /// √(36² + 24²) mm.
    public static let fullFrameDiagonal = (36.0 * 36 + 24 * 24).squareRoot()
}

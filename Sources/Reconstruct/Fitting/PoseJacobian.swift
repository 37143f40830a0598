import Foundation

/// A projected point with its derivatives, the building block of the dense fit's rows: where the
/// point lands (pixels), how that moves per mm of the point (model axes) and per unit of each pose
/// parameter (`PerspectiveCamera.stepped(by:)`'s six: rotation increment ω in radians about the
/// camera axes, image translation in pixels, log scale).
struct ProjectionDerivatives {
    let pixel: SIMD2<Double>
    /// ∂(x, y)/∂p, pixels per mm, model axes.
    let point: (x: SIMD3<Double>, y: SIMD3<Double>)
    /// ∂(x, y)/∂pose; lanes 0–5 used.
    let pose: (x: SIMD8<Double>, y: SIMD8<Double>)
}

extension PerspectiveCamera {
    /// Pose parameters of `stepped(by:)`.
    static let poseParameterCount = 6

    /// The camera moved by a pose step x = (ω, Δt, Δ log s): the rotation turned by ω on the
    /// left (camera axes), the translation shifted by Δt pixels, the scale multiplied by e^Δlog s
    /// with the focal length s / κ held (an orthographic camera stays orthographic).
    func stepped(by x: ArraySlice<Double>) -> PerspectiveCamera {
        let i = x.startIndex
        var c = self
        let focal = focalPixels
        c.rotation = Self.rotate(rotation, by: SIMD3(x[i], x[i + 1], x[i + 2]))
        c.translation += SIMD2(x[i + 3], x[i + 4])
        c.scale = scale * exp(x[i + 5])
        if let focal { c.inverseDistance = c.scale / focal }
        return c
    }

    /// `project(p)` with its derivatives in the point and in the pose (analytic; the tests check
    /// them against finite differences).
    func projectionDerivatives(at p: SIMD3<Double>) -> ProjectionDerivatives {
        let q = camera(p)
        let kappa = inverseDistance
        let w = 1 - kappa * q.z
        let nx = scale * q.x + translation.x - principalPoint.x
        let ny = translation.y - principalPoint.y - scale * q.y
        let pixel = principalPoint + SIMD2(nx, ny) / w
        // ∂pixel/∂q (camera axes).
        let k = kappa / (w * w)
        let rx = SIMD3(scale / w, 0, nx * k)
        let ry = SIMD3(0, -scale / w, ny * k)
        func toModel(_ r: SIMD3<Double>) -> SIMD3<Double> {
            rotation[0] * r.x + rotation[1] * r.y + rotation[2] * r.z
        }
        // ∂q/∂ω_j = e_j × q.
        let dq = [SIMD3(0, -q.z, q.y), SIMD3(q.z, 0, -q.x), SIMD3(-q.y, q.x, 0)]
        var px = SIMD8<Double>(repeating: 0)
        var py = SIMD8<Double>(repeating: 0)
        for j in 0..<3 {
            px[j] = (rx * dq[j]).sum()
            py[j] = (ry * dq[j]).sum()
        }
        px[3] = 1 / w
        py[4] = 1 / w
        // log s scales s and κ together (the focal length held).
        px[5] = scale * q.x / w + nx * kappa * q.z / (w * w)
        py[5] = -scale * q.y / w + ny * kappa * q.z / (w * w)
        return ProjectionDerivatives(pixel: pixel, point: (toModel(rx), toModel(ry)), pose: (px, py))
    }
}

import Foundation

/// Order-2 SH lights for the detail network's synthetic training pairs: lights recovered from real
/// photos (`AppearanceEstimate`) turned by random rotations, and directional-plus-ambient lights
/// projected onto the SH basis.
public enum SyntheticLights {
    /// The lighting `light` becomes when the light (not the face) turns by `rotation` (rows of R,
    /// camera frame): shading′(n) = shading(Rᵀn). Order-2 SH are closed under rotation, so the least-
    /// squares refit on 240 directions over the sphere is exact to float rounding.
    public static func rotated(_ light: SphericalHarmonicsLighting, by rotation: [SIMD3<Double>])
        -> SphericalHarmonicsLighting
    {
        let r = rotation.map { SIMD3<Float>($0) }
        var coefficients = [SIMD3<Float>](repeating: .zero, count: 9)
        for (k, direction) in sphere.enumerated() {
            // Rᵀn: the columns of R weighted by n.
            let turned = r[0] * direction.x + r[1] * direction.y + r[2] * direction.z
            let value = light.shading(turned)
            for j in 0..<9 { coefficients[j] += projection[j][k] * value }
        }
        return SphericalHarmonicsLighting(coefficients: coefficients)
    }

    /// A distant directional light from unit `direction` (camera frame, toward the light) plus a
    /// uniform ambient of `ambient` times its irradiance at normal incidence, coloured by `tint`, scaled so that a
    /// surface facing the viewer has shading `exposure` (luminance). The clamped-cosine kernel's
    /// SH weights are π, 2π/3 and π/4 for orders 0, 1 and 2 (Ramamoorthi & Hanrahan 2001); over π
    /// (the coefficients describe irradiance over π) that is 1, 2/3 and 1/4.
    public static func directional(
        direction: SIMD3<Float>, ambient: Float, tint: SIMD3<Float>, exposure: Float
    ) -> SphericalHarmonicsLighting {
        let y = SphericalHarmonicsLighting.basis(normalized(direction))
        let kernel: [Float] = [1, 2.0 / 3, 2.0 / 3, 2.0 / 3, 0.25, 0.25, 0.25, 0.25, 0.25]
        var grey = (0..<9).map { y[$0] * kernel[$0] }
        // Uniform radiance gives irradiance / π equal to itself; 1/π is the direct light's at normal incidence.
        grey[0] += ambient / Float.pi / 0.282095
        let light = SphericalHarmonicsLighting(coefficients: grey.map { tint * $0 })
        let facing = luminance(light.shading(SIMD3(0, 0, 1)))
        let scale = exposure / max(facing, 1e-3)
        return SphericalHarmonicsLighting(coefficients: grey.map { tint * ($0 * scale) })
    }

    /// 240 directions over the sphere (a Fibonacci lattice).
    static let sphere: [SIMD3<Float>] = (0..<240).map { k in
        let z = 1 - (2 * Double(k) + 1) / 240
        let r = (1 - z * z).squareRoot()
        let a = Double(k) * Double.pi * (3 - 5.0.squareRoot())
        return SIMD3(Float(r * cos(a)), Float(r * sin(a)), Float(z))
    }

    /// (YᵀY)⁻¹Yᵀ for the basis on `sphere`: row j maps sampled shading to coefficient j.
    static let projection: [[Float]] = {
        let rows = sphere.map { SphericalHarmonicsLighting.basis(SIMD3<Double>($0)) }
        var normal = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 9)
        for b in rows { for i in 0..<9 { for j in 0..<9 { normal[i][j] += b[i] * b[j] } } }
        let inverse = invert9(normal)
        return (0..<9).map { j in rows.map { b in Float((0..<9).reduce(0) { $0 + inverse[j][$1] * b[$1] }) } }
    }()

    /// Gauss–Jordan inverse of a symmetric positive definite 9 × 9 matrix.
    private static func invert9(_ m: [[Double]]) -> [[Double]] {
        var a = m
        var inv = (0..<9).map { i in (0..<9).map { $0 == i ? 1.0 : 0.0 } }
        for c in 0..<9 {
            let p = (c..<9).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            a.swapAt(c, p)
            inv.swapAt(c, p)
            let d = a[c][c]
            for j in 0..<9 {
                a[c][j] /= d
                inv[c][j] /= d
            }
            for r in 0..<9 where r != c {
                let f = a[r][c]
                guard f != 0 else { continue }
                for j in 0..<9 {
                    a[r][j] -= f * a[c][j]
                    inv[r][j] -= f * inv[c][j]
                }
            }
        }
        return inv
    }
}

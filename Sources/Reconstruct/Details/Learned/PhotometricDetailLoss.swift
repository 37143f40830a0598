import Foundation

/// The paper's unsupervised loss for a real photo: the unwrap re-rendered from a predicted
/// displacement with the photo's own albedo and SH light (`AppearanceEstimate` on the proxy), L1
/// against the unwrap, in linear RGB:
///
///     L(d) = Σᵢ wᵢ · Σ_c |a_c(i) · S_c(n(i; d)) − I_c(i)| / (3 Σᵢ wᵢ)
///
/// over the texels of a square window (the crop a training step sees), with n(i; d) the normal
/// of the proxy displaced by d (`SurfaceBuffer`: N − ∂d/∂x·sₓ − ∂d/∂y·s_y, renormalised; the
/// differences central inside the window where both neighbours are covered, one-sided at its
/// edges). `gradient` is its exact derivative with respect to d (mm), for the network's backward
/// pass; the tests check it against finite differences.
public struct PhotometricDetailLoss: Sendable {
    public let surface: SurfaceBuffer
    public let appearance: AppearanceEstimate
    /// Linear RGB of the unwrap on the surface's grid.
    public let colours: [SIMD3<Float>]
    /// Per texel: 0 drops it (unseen, uncovered, or down-weighted as hair and highlights).
    public let weights: [Float]

    public init(surface: SurfaceBuffer, appearance: AppearanceEstimate, colours: [SIMD3<Float>], weights: [Float]) {
        self.surface = surface
        self.appearance = appearance
        self.colours = colours
        self.weights = weights.indices.map { surface.covered[$0] ? weights[$0] : 0 }
    }

    /// The loss and its gradient for displacement `d` (mm, side × side row-major) on the window
    /// whose top-left texel is (`x0`, `y0`).
    public func evaluate(_ d: [Float], side: Int, x0: Int, y0: Int) -> (loss: Double, gradient: [Float]) {
        let n = surface.size
        precondition(d.count == side * side && x0 >= 0 && y0 >= 0 && x0 + side <= n && y0 + side <= n)
        var total: Double = 0
        var weight: Double = 0
        var gradient = [Float](repeating: 0, count: d.count)
        for y in 0..<side {
            for x in 0..<side {
                let i = (y0 + y) * n + x0 + x
                let w = weights[i]
                guard w > 0 else { continue }
                let k = y * side + x
                let sx = stencil(k, step: 1, inside: x, limit: side, texel: i, texelStep: 1)
                let sy = stencil(k, step: side, inside: y, limit: side, texel: i, texelStep: n)
                let dx = sx.apply(d)
                let dy = sy.apply(d)
                let m = surface.normals[i] - dx * surface.slopeX[i] - dy * surface.slopeY[i]
                let length = max((m * m).sum().squareRoot(), 1e-6)
                let normal = m / length
                let shading = appearance.lighting.shading(normal)
                let albedo = appearance.albedo[i]
                let e = albedo * shading - colours[i]
                total += Double(w) * Double(abs(e.x) + abs(e.y) + abs(e.z))
                weight += Double(w)
                // ∂/∂normal of w·Σ|e|, then through the renormalisation to ∂/∂m.
                let sign = SIMD3<Float>(
                    e.x > 0 ? 1 : e.x < 0 ? -1 : 0, e.y > 0 ? 1 : e.y < 0 ? -1 : 0, e.z > 0 ? 1 : e.z < 0 ? -1 : 0)
                let c = w * sign * albedo
                let s = appearance.lighting.shadingGradient(normal)
                let gn = SIMD3(dot(c, s.x), dot(c, s.y), dot(c, s.z))
                let gm = (gn - dot(gn, normal) * normal) / length
                // Scattered unscaled; the 1 / (3 Σw) is applied once the weights are summed.
                sx.scatter(-dot(gm, surface.slopeX[i]), into: &gradient)
                sy.scatter(-dot(gm, surface.slopeY[i]), into: &gradient)
            }
        }
        guard weight > 0 else { return (0, gradient) }
        let scale = Float(1 / (3 * weight))
        for j in gradient.indices { gradient[j] *= scale }
        return (total / (3 * weight), gradient)
    }

    /// A difference d[ahead]·f − d[back]·f (indices into the window), or none.
    struct Stencil {
        var back = -1
        var ahead = -1
        var factor: Float = 0
        func apply(_ d: [Float]) -> Float { factor == 0 ? 0 : (d[ahead] - d[back]) * factor }
        func scatter(_ g: Float, into gradient: inout [Float]) {
            guard factor != 0 else { return }
            gradient[ahead] += g * factor
            gradient[back] -= g * factor
        }
    }

    /// Central where both neighbours are in the window and covered, else one-sided, else none.
    private func stencil(_ k: Int, step: Int, inside: Int, limit: Int, texel i: Int, texelStep: Int)
        -> Stencil
    {
        let hasBack = inside > 0 && surface.covered[i - texelStep]
        let hasAhead = inside < limit - 1 && surface.covered[i + texelStep]
        switch (hasBack, hasAhead) {
        case (true, true): return Stencil(back: k - step, ahead: k + step, factor: 0.5)
        case (true, false): return Stencil(back: k - step, ahead: k, factor: 1)
        case (false, true): return Stencil(back: k, ahead: k + step, factor: 1)
        default: return Stencil()
        }
    }
}

import Formats
import Foundation
import Neural

/// What the detail network reads, per texel of its grid (planes, row-major):
/// 0. log₂ of the linear luminance over its median on the seen texels, clamped to [−3, 2]: the
///    paper's V channel made independent of exposure and skin tone (albedo × shading becomes a sum);
/// 1. alpha: visibility × facing, 0–1 (where the photo saw the surface, and how squarely);
/// 2–4. the proxy's unit normal in the camera frame (x right, y up, z toward the viewer): with
///    the luminance's slow variation it tells the network where the light comes from;
/// 5. plane 0 minus its blur over the seen texels (σ ≈ 1.4 texels), times 8: the fine shading a
///    wrinkle or pore casts (a few per cent of the luminance), which plane 0 holds only as a
///    small ripple on the face's large light and albedo changes.
/// Texels no face-tile triangle covers are zero in every plane.
public enum DetailNetInput {
    public static let planeCount = 6
    /// The subsets a network may read (the first k planes): 2 is the paper's V (with alpha), 5
    /// adds the normals, 6 the fine shading.
    public static let planeSubsets = [2, 5, 6]

    /// The first `count` planes (one of `planeSubsets`) for an RGBA unwrap whose side is a
    /// multiple of `surface.size` (box-averaged down to it, alpha-weighted in linear light).
    public static func planes(texture: Image<UInt8>, surface: SurfaceBuffer, count: Int = planeCount) -> [Float] {
        let n = surface.size
        var limits = ShadingSamples.Limits()
        limits.minimumFacing = 0
        limits.highlight = 2
        limits.shadow = -1
        let samples = ShadingSamples(texture: texture, factor: texture.width / n, limits: limits)
        let area = n * n
        var out = [Float](repeating: 0, count: planeCount * area)
        let seen = (0..<area).filter { surface.covered[$0] && samples.weights[$0] > 0.05 }
        var levels = seen.map { luminance(samples.colours[$0]) }
        levels.sort()
        let median = max(levels.isEmpty ? 1 : levels[levels.count / 2], 1e-4)
        for i in 0..<area where surface.covered[i] {
            let alpha = samples.weights[i]
            if alpha > 0 {
                out[i] = min(max(log2(max(luminance(samples.colours[i]), 1e-5) / median), -3), 2)
            }
            out[area + i] = alpha
            out[2 * area + i] = surface.normals[i].x
            out[3 * area + i] = surface.normals[i].y
            out[4 * area + i] = surface.normals[i].z
        }
        let weights = (0..<area).map { surface.covered[$0] && samples.weights[$0] > 0.05 ? Float(1) : 0 }
        let slow = weightedBlur(Array(out[0..<area]), weights: weights, size: n, radius: 1)
        for i in 0..<area where weights[i] > 0 { out[5 * area + i] = 8 * (out[i] - slow[i]) }
        return Array(out[0..<(min(count, planeCount) * area)])
    }
}

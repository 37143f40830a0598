import Foundation
import Testing

@testable import Reconstruct

@Suite struct LightingTests {
    /// Normals over the front hemisphere (what a face shows the camera), coloured by a known SH
    /// light and a known albedo: the estimate reproduces the shading to 1e-4 on every sample and
    /// the nine coefficients; eight samples are refused.
    @Test func knownLightIsRecoveredFromAFrontHemisphere() throws {
        var random = SeededRandom(seed: 11)
        var normals: [SIMD3<Float>] = []
        while normals.count < 2000 {
            let v = SIMD3<Float>(Float(random.gaussian()), Float(random.gaussian()), Float(random.gaussian()))
            let l = (v * v).sum().squareRoot()
            if l > 0, v.z > 0.05 { normals.append(v / l) }
        }
        let truth = SphericalHarmonicsLighting(
            coefficients: (0..<9).map { k in
                SIMD3<Float>(Float(random.gaussian()), Float(random.gaussian()), Float(random.gaussian()))
                    * (k == 0 ? 1 : 0.3) + (k == 0 ? 2 : 0)
            })
        let albedo = normals.indices.map { i in SIMD3<Float>(0.8, 0.6, 0.5) * (1 + 0.2 * Float(i % 7) / 7) }
        let colours = normals.indices.map { truth.shading(normals[$0]) * albedo[$0] }
        let fit = try #require(
            SphericalHarmonicsLighting.estimate(
                normals: normals, colours: colours, albedo: albedo,
                weights: Array(repeating: 1, count: normals.count)))
        let worst = normals.indices.map { i -> Float in
            let d = fit.shading(normals[i]) * albedo[i] - colours[i]
            return (d * d).sum().squareRoot()
        }.max()!
        #expect(worst < 1e-4, "worst colour error \(worst)")
        // The nine functions are independent on any patch of the sphere, so a hemisphere fixes all.
        for k in 0..<9 {
            #expect(
                ((fit.coefficients[k] - truth.coefficients[k]) * (fit.coefficients[k] - truth.coefficients[k])).sum()
                    < 1e-6)
        }
        #expect(
            SphericalHarmonicsLighting.estimate(
                normals: Array(normals.prefix(8)), colours: Array(colours.prefix(8)),
                albedo: Array(albedo.prefix(8)), weights: Array(repeating: 1, count: 8)) == nil)
    }
}

/// Second-order spherical-harmonics lighting (Ramamoorthi & Hanrahan 2001), the light model of
/// the detail stage (docs/details.md):
///
///     I(p) = a(p) · Σₖ lₖ · Yₖ(n(p))          per colour channel
///
/// with a(p) the albedo, n(p) the unit surface normal and Y₀…Y₈ the real SH basis of orders 0–2.
/// The coefficients lₖ absorb the Lambertian kernel (the clamped cosine's convolution), so they
/// describe irradiance, not radiance; nine per channel capture over 99 % of the irradiance of
/// distant light on a convex Lambertian surface. Assumed: distant light, no cast shadows or
/// inter-reflection, Lambertian skin (specular highlights are outliers, see `estimate`).
public struct SphericalHarmonicsLighting: Sendable, Equatable {
    /// Nine coefficients per channel (R, G, B), in `basis` order.
    public var coefficients: [SIMD3<Float>]

    public init(coefficients: [SIMD3<Float>]) {
        precondition(coefficients.count == 9)
        self.coefficients = coefficients
    }

    /// Y₀…Y₈ at unit normal n (x right, y up, z toward the viewer): 1; y, z, x; xy, yz, 3z² − 1,
    /// xz, x² − y², with their normalisation constants.
    /// In any precision: the detail stage works in `Float`, the dense fit (`PhotometricTerm`) in
    /// `Double`.
    @inlinable
    public static func basis<T: BinaryFloatingPoint & SIMDScalar>(_ n: SIMD3<T>) -> [T] {
        let (x, y, z) = (n.x, n.y, n.z)
        return [
            0.282095,
            0.488603 * y, 0.488603 * z, 0.488603 * x,
            1.092548 * x * y, 1.092548 * y * z, 0.315392 * (3 * z * z - 1), 1.092548 * x * z,
            0.546274 * (x * x - y * y),
        ]
    }

    /// One grey channel's shading Σ lₖ Yₖ(n) (the dense fit's light, `PhotometricTerm`).
    static func greyShading(_ n: SIMD3<Double>, _ l: [Double]) -> Double {
        zip(basis(n), l).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// ∂greyShading/∂n before renormalisation (`shadingGradient`'s formula for one channel).
    static func greyShadingGradient(_ n: SIMD3<Double>, _ l: [Double]) -> SIMD3<Double> {
        let (x, y, z) = (n.x, n.y, n.z)
        let (c1, c2, c3, c4) = (0.488603, 1.092548, 0.315392, 0.546274)
        return SIMD3(
            c1 * l[3] + c2 * (y * l[4] + z * l[7]) + 2 * c4 * x * l[8],
            c1 * l[1] + c2 * (x * l[4] + z * l[5]) - 2 * c4 * y * l[8],
            c1 * l[2] + c2 * (y * l[5] + x * l[7]) + 6 * c3 * z * l[6])
    }

    /// The shading Σ lₖ Yₖ(n) per channel (irradiance over π, unitless like the image).
    @inline(__always)
    public func shading(_ n: SIMD3<Float>) -> SIMD3<Float> {
        let l = coefficients
        let (x, y, z) = (n.x, n.y, n.z)
        let b1: Float = 0.488603
        let b2: Float = 1.092548
        let order1: SIMD3<Float> = b1 * y * l[1] + b1 * z * l[2] + b1 * x * l[3]
        let cross: SIMD3<Float> = b2 * x * y * l[4] + b2 * y * z * l[5] + b2 * x * z * l[7]
        let zonal: SIMD3<Float> = 0.315392 * (3 * z * z - 1) * l[6]
        let sectoral: SIMD3<Float> = 0.546274 * (x * x - y * y) * l[8]
        let constant: SIMD3<Float> = 0.282095 * l[0]
        return constant + order1 + cross + zonal + sectoral
    }

    /// ∂shading/∂n: the change of each channel's shading per unit change of the normal's x, y
    /// and z (the derivative of the polynomial, before the normal is renormalised).
    @inline(__always)
    public func shadingGradient(_ n: SIMD3<Float>) -> (x: SIMD3<Float>, y: SIMD3<Float>, z: SIMD3<Float>) {
        let l = coefficients
        let (x, y, z) = (n.x, n.y, n.z)
        let (c1, c2, c3, c4): (Float, Float, Float, Float) = (0.488603, 1.092548, 0.315392, 0.546274)
        let gx = c1 * l[3] + c2 * (y * l[4] + z * l[7]) + 2 * c4 * x * l[8]
        let gy = c1 * l[1] + c2 * (x * l[4] + z * l[5]) - 2 * c4 * y * l[8]
        let gz = c1 * l[2] + c2 * (y * l[5] + x * l[7]) + 6 * c3 * z * l[6]
        return (gx, gy, gz)
    }

    /// The lighting that best explains `colours` (linear RGB) at `normals` with the given
    /// per-sample `albedo`, by weighted linear least squares per channel (weights: visibility ×
    /// confidence; zero drops a sample). Solved in double precision on the 9 × 9 normal equations
    /// with a tiny ridge (1e-9 of the trace) so a one-sided set of normals — a face seen from the
    /// front never shows its back — stays solvable; the unseen directions then get no light.
    /// nil when fewer than nine samples carry weight.
    public static func estimate(
        normals: [SIMD3<Float>], colours: [SIMD3<Float>], albedo: [SIMD3<Float>],
        weights: [Float]
    ) -> SphericalHarmonicsLighting? {
        precondition(normals.count == colours.count && colours.count == albedo.count && albedo.count == weights.count)
        guard weights.filter({ $0 > 0 }).count >= 9 else { return nil }
        var coefficients = [SIMD3<Float>](repeating: .zero, count: 9)
        let bases = normals.map { basis($0).map(Double.init) }
        let w = weights.map(Double.init)
        for channel in 0..<3 {
            guard
                let l = channelLight(
                    bases: bases, albedo: albedo.map { Double($0[channel]) },
                    targets: colours.map { Double($0[channel]) }, weights: w, ridge: 1e-9)
            else { return nil }
            for k in 0..<9 { coefficients[k][channel] = Float(l[k]) }
        }
        return SphericalHarmonicsLighting(coefficients: coefficients)
    }

    /// One channel's nine coefficients l minimising Σ wᵢ (aᵢ Σₖ lₖ Yₖ(nᵢ) − cᵢ)² over the samples of
    /// positive weight (`bases` holds each sample's Y₀…Y₈), by the 9 × 9 normal equations in double
    /// precision with a ridge of `ridge` × their trace. nil when they are singular. `estimate` (the
    /// detail stage, per colour channel) and the dense fit's grey light (`PhotometricTerm`) share it.
    static func channelLight(
        bases: [[Double]], albedo: [Double], targets: [Double], weights: [Double], ridge: Double
    ) -> [Double]? {
        var ata = [Double](repeating: 0, count: 81)
        var atb = [Double](repeating: 0, count: 9)
        for i in bases.indices where weights[i] > 0 {
            let a = albedo[i]
            let row = bases[i].map { $0 * a }
            let w = weights[i]
            let target = targets[i]
            for r in 0..<9 {
                atb[r] += w * row[r] * target
                for c in r..<9 { ata[r * 9 + c] += w * row[r] * row[c] }
            }
        }
        for r in 0..<9 { for c in 0..<r { ata[r * 9 + c] = ata[c * 9 + r] } }
        let trace = (0..<9).map { ata[$0 * 10] }.reduce(0, +)
        for r in 0..<9 { ata[r * 10] += ridge * trace + 1e-300 }
        return DenseSolve.choleskySolve(ata, atb, n: 9)
    }
}

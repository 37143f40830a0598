import Formats

/// `--detail sfs`: shape from shading in UV space (docs/details.md). Light and a smooth albedo
/// are estimated on the proxy (`AppearanceEstimate`); the displacement whose shading under that
/// light best explains what they leave in the texture is then solved coarse to fine
/// (`DisplacementSolver`), re-linearised around each answer; finally its slow components are
/// removed (the proxy owns them) and it fades out where the photo did not see the surface.
public struct ShadingDetail: DetailSynthesizer {
    public let id = "sfs"

    public struct Options: Sendable {
        public var appearance = AppearanceEstimate.Options()
        /// Membrane smoothness λs, relative to the data term's mean curvature. Shading constrains
        /// only the slope along the light's tangential direction; this fills in the other one and
        /// suppresses texel noise. Larger values flatten the detail (0.05 loses under 10 % of a
        /// 1 mm groove's depth in the synthetic test while keeping photo noise out).
        public var smoothness: Float = 0.01
        /// Magnitude penalty λm, relative likewise: only pins the otherwise free constant offset.
        public var magnitude: Float = 1e-4
        /// The residual shading is high-passed at this scale (fraction of the tile's side, ≈ 8 mm)
        /// before it is explained: what varies more slowly is albedo (hair, brows, lips, make-up)
        /// or light the model misses, and explaining it by geometry integrates it into bulges
        /// millimetres high. Wrinkles and folds are narrower.
        public var residualSigma: Float = 1.0 / 24
        /// Residuals are clipped to ± this fraction of the modelled brightness before the solve
        /// (bounded influence): a wrinkle's shading is well inside it, an albedo edge is not.
        public var residualLimit: Float = 0.3
        /// Robust reweighting: a texel whose brightness is off the model by r (relative) keeps
        /// 1 / (1 + (r / outlierScale)²) of its weight (Cauchy). 0.25 keeps a deep wrinkle's
        /// shading (≈ 15–20 % under side light) at over two thirds of its weight while hair and
        /// brows (50–90 % darker than skin) drop below a tenth.
        public var outlierScale: Float = 0.25
        public var robustRounds = 2
        /// Gauss–Newton steps: the shading is linearised around the current surface each time.
        public var steps = 1
        /// Coarse-to-fine: grids halve down to this side; CG iterations on the coarsest and on
        /// every finer grid (each starts from the coarser answer, so a few suffice).
        public var coarsestSize = 32
        public var coarseIterations = 200
        public var fineIterations = 40
        /// Components slower than this (fraction of the tile's side, ≈ 20 mm) are removed: the
        /// proxy fit owns the face's shape at that scale, and shading's slow errors (albedo or
        /// light mismatch) integrate into large false bulges.
        public var highPassSigma: Float = 1.0 / 10
        /// Detail fades to zero over this many working texels outside the seen surface.
        public var fadeTexels = 4
        /// Largest |displacement| kept, mm: deeper folds are beyond what one photo's shading
        /// can tell from albedo.
        public var maximumDepth: Float = 4
        public init() {}
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    public func synthesize(_ input: DetailInput) throws -> DetailResult {
        let size = input.texture.width
        let n = input.workingSize
        guard size % n == 0, (size / n).nonzeroBitCount == 1 else {
            throw ReconstructError(
                .invalidArgument, "the detail grid (\(n)) must be the texture side (\(size)) over a power of two")
        }
        let surface = SurfaceBuffer(mesh: input.proxy, rotation: input.rotation, size: n)
        let (samples, appearance) = try robustAppearance(texture: input.texture, surface: surface)
        let d = solve(samples, appearance, surface: surface)
        let errors = (
            photometricError(samples, appearance, surface: surface) { surface.normals[$0] },
            photometricError(samples, appearance, surface: surface) { [d] in surface.displacedNormal($0, d) }
        )
        let values = DisplacementSolver.prolonged(d, from: n, to: size)
        let map = DisplacementMap(values: try Image(width: size, height: size, channels: 1, pixels: values))
        return DetailResult(
            displacement: map, appearance: appearance, workingSize: n, synthesizerID: id, photometricError: errors)
    }

    /// The unwrap averaged onto `surface`'s grid, and the light and albedo estimated on it, with
    /// robust weights: hair, brows, lashes, lips and collars are far from what a smooth skin
    /// albedo under this light predicts, so iteratively reweighted they stop steering the light
    /// (and the solve). The samples come back with those weights.
    public func robustAppearance(texture: Image<UInt8>, surface: SurfaceBuffer) throws
        -> (ShadingSamples, AppearanceEstimate)
    {
        var samples = ShadingSamples(texture: texture, factor: texture.width / surface.size)
        for i in samples.weights.indices where !surface.covered[i] { samples.weights[i] = 0 }
        guard var appearance = AppearanceEstimate.estimate(samples, surface: surface, options: options.appearance)
        else {
            throw ReconstructError(.unfittableFace, "too few visible texels to estimate the light")
        }
        let seen = samples.weights
        for _ in 0..<options.robustRounds {
            for i in samples.weights.indices where seen[i] > 0 {
                let model = luminance(appearance.rendered(i, normal: surface.normals[i]))
                let e = abs(luminance(samples.colours[i]) - model) / max(model, 0.01) / options.outlierScale
                samples.weights[i] = seen[i] / (1 + e * e)
            }
            guard
                let refined = AppearanceEstimate.estimate(
                    samples, surface: surface, options: options.appearance, start: appearance)
            else { break }
            appearance = refined
        }
        return (samples, appearance)
    }

    /// The displacement (mm, on the samples' grid) explaining the samples under `appearance`.
    func solve(_ samples: ShadingSamples, _ appearance: AppearanceEstimate, surface: SurfaceBuffer) -> [Float] {
        let n = samples.size
        let solver = DisplacementSolver(
            smoothness: options.smoothness, magnitude: options.magnitude, coarsestSize: options.coarsestSize,
            coarseIterations: options.coarseIterations, fineIterations: options.fineIterations)
        var d = [Float](repeating: 0, count: n * n)
        for _ in 0..<options.steps {
            var system = linearised(samples, appearance, surface: surface, around: d)
            let slow = weightedBlur(
                system.residuals, weights: system.weights, size: n,
                radius: max(1, Int((options.residualSigma * Float(n)).rounded())))
            for i in d.indices { system.residuals[i] -= slow[i] }
            let delta = solver.solve(system, around: d)
            for i in d.indices { d[i] += delta[i] }
        }
        return finished(d, samples: samples, surface: surface)
    }

    /// The shading system around displacement d: residual luminance and its change per slope.
    func linearised(
        _ samples: ShadingSamples, _ appearance: AppearanceEstimate, surface: SurfaceBuffer, around d: [Float]
    ) -> ShadingSystem {
        let n = samples.size
        let count = n * n
        var system = ShadingSystem(
            size: n, weights: samples.weights, cx: .init(repeating: 0, count: count),
            cy: .init(repeating: 0, count: count), residuals: .init(repeating: 0, count: count))
        let luma = SIMD3<Float>(0.2126, 0.7152, 0.0722)
        for i in 0..<count where samples.weights[i] > 0 {
            let normal = surface.displacedNormal(i, d)
            let light = appearance.lighting
            let a = appearance.albedo[i] * luma
            let modelled = dot(a, light.shading(normal))
            let limit = options.residualLimit * max(modelled, 0.01)
            system.residuals[i] = min(limit, max(-limit, luminance(samples.colours[i]) - modelled))
            let g = light.shadingGradient(normal)
            let gradient = SIMD3(dot(a, g.x), dot(a, g.y), dot(a, g.z))
            // The normal turns by −(slope vector's part tangent to it) per unit of slope.
            func change(_ slope: SIMD3<Float>) -> Float {
                let tangent = slope - dot(slope, normal) * normal
                return -dot(gradient, tangent)
            }
            system.cx[i] = change(surface.slopeX[i])
            system.cy[i] = change(surface.slopeY[i])
        }
        return system
    }

    /// High-passed, faded outside the seen surface, clamped.
    func finished(_ d: [Float], samples: ShadingSamples, surface: SurfaceBuffer) -> [Float] {
        let n = samples.size
        let coveredWeights = surface.covered.map { $0 ? Float(1) : 0 }
        let slow = weightedBlur(
            d, weights: coveredWeights, size: n, radius: max(1, Int((options.highPassSigma * Float(n)).rounded())))
        let seen = samples.weights.map { $0 > 0 ? Float(1) : 0 }
        let fade = weightedBlur(
            seen, weights: [Float](repeating: 1, count: n * n), size: n, radius: max(1, options.fadeTexels / 2))
        return (0..<(n * n)).map { i in
            guard surface.covered[i] else { return 0 }
            let detail = (d[i] - slow[i]) * min(1, 2 * fade[i])
            return min(options.maximumDepth, max(-options.maximumDepth, detail))
        }
    }
}

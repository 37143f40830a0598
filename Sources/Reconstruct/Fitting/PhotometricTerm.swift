import Foundation

/// The dense fit's photometric term (analysis by synthesis, Blanz & Vetter 1999; Garrido et al.
/// 2013): at each `SurfaceSamples` point the photo's linear luminance should be the albedo times
/// order-2 spherical-harmonics shading of the fitted surface normal,
///
///     f = I(π(c)) − a · Σₖ lₖ Yₖ(R n)
///
/// (camera-axes normal, the basis of `SphericalHarmonicsLighting`). The light l is one grey set of
/// nine coefficients; the albedo a is per sample but smooth: the robust local least-squares ratio
/// of image to shading over the samples within `albedoRadius` mm on the mean face. So the skin's
/// slow colour changes go to the albedo, the shading's to the shape, and what neither explains —
/// brows, lids, lips, moles, highlights — gets a low weight (Cauchy IRLS) instead of bending it.
/// Both α, β and the pose move f, through where the point lands (the image gradient) and through
/// its normal (the shading gradient); the rows carry both.
struct PhotometricTerm {
    let samples: SurfaceSamples
    /// Per sample: neighbours (sample index, Gaussian weight) within the albedo radius.
    let neighbourhoods: [[(Int, Double)]]
    /// The mesh's triangles as vertex triples, for the depth test.
    let triangles: [SIMD3<UInt32>]

    init(model: MorphableModel, spacing: Double, albedoRadius: Double) {
        samples = SurfaceSamples(model: model, spacing: spacing)
        let centres = samples.meanCentres
        var grid: [SIMD3<Int32>: [Int]] = [:]
        for (i, c) in centres.enumerated() {
            grid[SIMD3<Int32>((c / albedoRadius).rounded(.down)), default: []].append(i)
        }
        let spread = 2 * (albedoRadius / 2) * (albedoRadius / 2)
        neighbourhoods = centres.map { c in
            let cell = SIMD3<Int32>((c / albedoRadius).rounded(.down))
            var out: [(Int, Double)] = []
            for dz in -1...1 {
                for dy in -1...1 {
                    for dx in -1...1 {
                        for j in grid[cell &+ SIMD3(Int32(dx), Int32(dy), Int32(dz))] ?? [] {
                            let d = centres[j] - c
                            let dd = (d * d).sum()
                            if dd <= albedoRadius * albedoRadius { out.append((j, exp(-dd / spread))) }
                        }
                    }
                }
            }
            return out.sorted { $0.0 < $1.0 }
        }
        triangles = triangulatedCorners(polygonSizes: model.polygonSizes).map { t in
            SIMD3(model.polygonVertices[Int(t.x)], model.polygonVertices[Int(t.y)], model.polygonVertices[Int(t.z)])
        }
    }

    /// The sampled surface at one α, β: centres (mm), the two diagonals (mm) and unit normals
    /// (model axes, pointing out of the face).
    struct Surface {
        let centres: [SIMD3<Double>]
        let diagonals: ([SIMD3<Double>], [SIMD3<Double>])
        let normals: [SIMD3<Double>]
        let lengths: [Double]
    }

    func surface(identity: [Double], expression: [Double]) -> Surface {
        let centres = samples.centres.positions(identity: identity, expression: expression)
        let d0 = samples.diagonals.0.positions(identity: identity, expression: expression)
        let d1 = samples.diagonals.1.positions(identity: identity, expression: expression)
        var normals: [SIMD3<Double>] = []
        var lengths: [Double] = []
        normals.reserveCapacity(centres.count)
        lengths.reserveCapacity(centres.count)
        for i in centres.indices {
            let m = samples.orientation[i] * cross(d0[i], d1[i])
            let l = max((m * m).sum().squareRoot(), 1e-12)
            normals.append(m / l)
            lengths.append(l)
        }
        return Surface(centres: centres, diagonals: (d0, d1), normals: normals, lengths: lengths)
    }

    /// Which samples the camera sees: facing it by more than `minimumFacing` (cosine) and not
    /// behind another part of the face (a depth test against the whole mesh, at the level's
    /// resolution, with 3 mm of tolerance).
    func visible(
        surface: Surface, shape: [SIMD3<Float>], camera: PerspectiveCamera, level: GreyPyramid.Level,
        minimumFacing: Double = 0.15
    ) -> [Bool] {
        let step = level.step
        let projected = shape.map { p -> SIMD3<Double> in
            let q = camera.projectWithDepth(SIMD3<Double>(p))
            return SIMD3(q.x / step, q.y / step, q.z)
        }
        let depth = DepthBuffer(width: level.width, height: level.height, projected: projected, triangles: triangles)
        return surface.centres.indices.map { i in
            let c = surface.centres[i]
            guard (camera.directionToCamera(from: c) * surface.normals[i]).sum() > minimumFacing else { return false }
            let q = camera.projectWithDepth(c)
            let tolerance = 3 * camera.pixelsPerMillimetre(at: c)
            return Double(depth.depth(at: q.x / step, q.y / step)) <= q.z + tolerance
        }
    }

    /// What the photo shows at each visible sample: luminance, its gradient (per photo pixel),
    /// and the projection's derivatives. Samples that fall outside the image become invisible.
    struct Observation {
        var visible: [Bool]
        var values: [Double]
        var gradients: [SIMD2<Double>]
        var projections: [ProjectionDerivatives?]
        /// Camera-axes unit normals.
        var normals: [SIMD3<Double>]
    }

    func observe(
        _ surface: Surface, camera: PerspectiveCamera, pyramid: GreyPyramid, level: Int, visible: [Bool]
    ) -> Observation {
        var o = Observation(
            visible: visible, values: .init(repeating: 0, count: visible.count),
            gradients: .init(repeating: .zero, count: visible.count),
            projections: .init(repeating: nil, count: visible.count),
            normals: surface.normals.map(camera.camera))
        for i in visible.indices where visible[i] {
            let d = camera.projectionDerivatives(at: surface.centres[i])
            guard let s = pyramid.sample(level, at: d.pixel) else {
                o.visible[i] = false
                continue
            }
            o.values[i] = s.value
            o.gradients[i] = s.gradient
            o.projections[i] = d
        }
        return o
    }

    /// The light, albedo and robust weights explaining an observation.
    struct Appearance {
        var light: [Double]
        var albedo: [Double]
        var weights: [Double]
        /// Robust scale of the residuals (1.4826 × median |f|), luminance.
        var sigma: Double
    }

    /// Alternates light (9 × 9 weighted least squares) and albedo (local ratio) `rounds` times,
    /// starting from `previous` (or unit albedo), then re-weights by the residuals.
    func appearance(_ o: Observation, previous: Appearance?, rounds: Int) -> Appearance {
        let n = o.visible.count
        var a = previous?.albedo ?? [Double](repeating: 1, count: n)
        var w = previous?.weights ?? [Double](repeating: 1, count: n)
        var light = previous?.light ?? [Double](repeating: 0, count: 9)
        let bases = o.normals.map { SphericalHarmonicsLighting.basis($0) }
        for _ in 0..<max(rounds, 1) {
            let seen = (0..<n).map { o.visible[$0] ? w[$0] : 0 }
            light =
                SphericalHarmonicsLighting.channelLight(
                    bases: bases, albedo: a, targets: o.values, weights: seen, ridge: 1e-6) ?? light
            let shading = bases.map { zip($0, light).reduce(0) { $0 + $1.0 * $1.1 } }
            var next = a
            var total = 0.0
            var count = 0.0
            for i in 0..<n {
                var num = 0.0
                var den = 0.0
                for (j, k) in neighbourhoods[i] where o.visible[j] {
                    num += k * w[j] * o.values[j] * shading[j]
                    den += k * w[j] * shading[j] * shading[j]
                }
                next[i] = den > 1e-12 ? num / den : a[i]
                if o.visible[i] {
                    total += next[i]
                    count += 1
                }
            }
            // a · l is defined up to a factor: keep the visible albedo's mean at 1.
            let meanAlbedo = count > 0 && total > 0 ? total / count : 1
            a = next.map { $0 / meanAlbedo }
            light = light.map { $0 * meanAlbedo }
            let f = residuals(o, albedo: a, light: light)
            let sigma = Self.robustScale(f, visible: o.visible)
            w = f.map { 1 / (1 + ($0 / (2.385 * sigma)) * ($0 / (2.385 * sigma))) }
        }
        let f = residuals(o, albedo: a, light: light)
        return Appearance(light: light, albedo: a, weights: w, sigma: Self.robustScale(f, visible: o.visible))
    }

    /// f = I − a · shading per sample (0 where not visible).
    func residuals(_ o: Observation, albedo a: [Double], light: [Double]) -> [Double] {
        o.visible.indices.map { i in
            guard o.visible[i] else { return 0 }
            return o.values[i] - a[i] * SphericalHarmonicsLighting.greyShading(o.normals[i], light)
        }
    }

    static func robustScale(_ f: [Double], visible: [Bool]) -> Double {
        let magnitudes = f.indices.filter { visible[$0] }.map { abs(f[$0]) }.sorted()
        guard !magnitudes.isEmpty else { return 1 }
        return max(1.4826 * magnitudes[magnitudes.count / 2], 1e-4)
    }
}

extension PhotometricTerm {
    /// Adds the term's rows to `system` (unknowns: the six pose parameters, then α, then β),
    /// each sample weighted by `scale` × its robust weight. Two halves of the samples are
    /// accumulated side by side and summed in a fixed order, so the result does not depend on
    /// scheduling.
    func accumulate(
        into system: inout NormalSystem, _ o: Observation, _ s: Surface, _ look: Appearance, camera: PerspectiveCamera,
        scale: Double
    ) {
        let n = system.n
        let shapeOffset = PerspectiveCamera.poseParameterCount
        let count = o.visible.count
        let halves = [0..<(count / 2), (count / 2)..<count]
        let parts = ConcurrentResults<NormalSystem>(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            var local = NormalSystem(unknowns: n)
            var row = [Double](repeating: 0, count: n)
            row.withUnsafeMutableBufferPointer { row in
                let r = row.baseAddress!
                for i in halves[part] where o.visible[i] {
                    guard let d = o.projections[i] else { continue }
                    for j in 0..<n { r[j] = 0 }
                    let a = look.albedo[i]
                    let nc = o.normals[i]
                    let grad = o.gradients[i]
                    let gs = SphericalHarmonicsLighting.greyShadingGradient(nc, look.light)
                    // Where the point lands: the image gradient through the projection.
                    let pose = grad.x * d.pose.x + grad.y * d.pose.y
                    // How the normal turns with the head: ∂n_c/∂ω_j = e_j × n_c.
                    let turn = -a * cross(nc, gs)
                    for j in 0..<3 { r[j] = pose[j] + turn[j] }
                    for j in 3..<shapeOffset { r[j] = pose[j] }
                    samples.centres.accumulate(i, grad.x * d.point.x + grad.y * d.point.y, into: r, offset: shapeOffset)
                    // How the normal bends with the shape, through the two diagonals.
                    let gm = camera.rotation[0] * gs.x + camera.rotation[1] * gs.y + camera.rotation[2] * gs.z
                    let normal = s.normals[i]
                    let u = (gm - normal * (gm * normal).sum()) / s.lengths[i]
                    let k = -a * samples.orientation[i]
                    samples.diagonals.0.accumulate(i, k * cross(s.diagonals.1[i], u), into: r, offset: shapeOffset)
                    samples.diagonals.1.accumulate(i, k * cross(u, s.diagonals.0[i]), into: r, offset: shapeOffset)
                    let f = o.values[i] - a * SphericalHarmonicsLighting.greyShading(nc, look.light)
                    local.add(UnsafePointer(r), residual: f, weight: scale * look.weights[i])
                }
            }
            parts.set(part, .success(local))
        }
        system = system + (try! parts.get(0)) + (try! parts.get(1))
    }

    /// Σ scale · weight · f² at the observation, with the appearance held.
    func cost(_ o: Observation, _ look: Appearance, scale: Double) -> Double {
        let f = residuals(o, albedo: look.albedo, light: look.light)
        var total = 0.0
        for i in f.indices where o.visible[i] { total += scale * look.weights[i] * f[i] * f[i] }
        return total
    }
}

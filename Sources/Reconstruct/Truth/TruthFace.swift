import Foundation

/// One face of the render-truth benchmark (`facedetail bench truth`): everything that decides the
/// render, drawn from a seed, so the benchmark regenerates its photos instead of storing them.
///
/// Ranges: identity α ~ N(0, 1) per mode (the model's own prior); one labelled expression per face,
/// cycling through `Expression.allCases` (the ones issue 14 names, plus a mix of small weights);
/// yaw within ±30° and pitch within ±15° (portrait poses); a 35–135 mm (35 mm-equivalent) lens at a
/// distance that frames a 380–520 mm wide field, kept within the 0.5–2 m of portrait work.
public struct TruthFace: Codable, Sendable, Equatable {
    /// The labelled expressions, each setting a few blendshapes (weights in [0, 1]).
    public enum Expression: String, Codable, CaseIterable, Sendable {
        case smile, browRaise, frown, jawOpen, mixed
    }

    public let seed: UInt64
    public let identity: [Double]
    /// ICT blendshape weights, in the model's order.
    public let expression: [Double]
    public let label: Expression
    /// Degrees: positive yaw turns the face toward image right, positive pitch tilts it up.
    public let yaw: Double
    public let pitch: Double
    /// Camera: focal length on a 36 mm wide sensor, and the distance from the face's centroid, mm.
    public let focalMillimetres: Double
    public let distanceMillimetres: Double
    /// Render size, pixels.
    public let width: Int
    public let height: Int

    /// The face drawn from `seed` for a model with these blendshape names; `label` picks the expression.
    public init(
        seed: UInt64, label: Expression, expressionNames: [String], identityCount: Int,
        width: Int = 640, height: Int = 800
    ) {
        var random = SeededRandom(seed: seed)
        self.seed = seed
        self.label = label
        identity = (0..<identityCount).map { _ in random.gaussian() }
        var beta = [Double](repeating: 0, count: expressionNames.count)
        func set(_ names: [String], _ range: ClosedRange<Double>) {
            let w = range.lowerBound + (range.upperBound - range.lowerBound) * random.unit()
            for name in names {
                if let k = expressionNames.firstIndex(of: name) { beta[k] = w }
            }
        }
        switch label {
        case .smile:
            set(["mouthSmile_L", "mouthSmile_R"], 0.6...1)
            set(["cheekSquint_L", "cheekSquint_R"], 0.1...0.4)
        case .browRaise:
            set(["browInnerUp_L", "browInnerUp_R"], 0.6...1)
            set(["browOuterUp_L", "browOuterUp_R"], 0.4...0.9)
        case .frown:
            set(["browDown_L", "browDown_R"], 0.6...1)
            set(["mouthFrown_L", "mouthFrown_R"], 0.2...0.6)
        case .jawOpen:
            set(["jawOpen"], 0.35...0.75)
        case .mixed:
            let observable = ["mouthSmile_L", "mouthPucker", "browInnerUp_L", "eyeSquint_R", "jawOpen", "mouthLeft"]
            for _ in 0..<3 { set([observable[Int(random.unit() * Double(observable.count))]], 0.1...0.5) }
        }
        expression = beta
        yaw = 30 * (2 * random.unit() - 1)
        pitch = 15 * (2 * random.unit() - 1)
        focalMillimetres = 35 + 100 * random.unit()
        let field = 380 + 140 * random.unit()
        distanceMillimetres = min(max(focalMillimetres * field / 36, 500), 2000)
        self.width = width
        self.height = height
    }

    /// Focal length in pixels (the sensor's 36 mm span the image width).
    public var focalPixels: Double { focalMillimetres / 36 * Double(width) }

    /// The blendshape with the largest true weight (ties: the first in model order).
    public var dominantExpression: Int {
        expression.indices.max { expression[$0] < expression[$1] || (expression[$0] == expression[$1] && $0 > $1) }!
    }

    /// The camera's position and its look-at target (the face centroid), mm in the model's frame:
    /// the camera orbits the face, which is the photo of the head turned by R = Rx(pitch)·Ry(yaw)
    /// (the manifest's convention) seen from +Z: the camera sits along Rᵀ·ẑ, R's third row.
    public func camera(centroid: SIMD3<Double>) -> (position: SIMD3<Double>, target: SIMD3<Double>) {
        let direction = ScaledOrthographicCamera(yaw: yaw, pitch: pitch, roll: 0, scale: 1, translation: .zero)
            .rotation[2]
        return (centroid + distanceMillimetres * direction, centroid)
    }

    /// Where a point (mm, model frame) lands in the render, pixels (origin at the top-left corner):
    /// Blender's pinhole camera at `camera(centroid:)`, looking at the centroid with +Y up, its
    /// sensor's width spanning the image's.
    public func project(_ point: SIMD3<Double>, centroid: SIMD3<Double>) -> SIMD2<Double> {
        let p = projectWithDepth(point, centroid: centroid)
        return SIMD2(p.x, p.y)
    }

    /// `project` and a depth for `TextureUnwrapper`: minus the distance along the view axis in
    /// pixels at the face (larger nearer the camera).
    public func projectWithDepth(_ point: SIMD3<Double>, centroid: SIMD3<Double>) -> SIMD3<Double> {
        let (right, up, forward, position) = frame(centroid: centroid)
        let d = point - position
        let depth = (forward * d).sum()
        return SIMD3(
            Double(width) / 2 + focalPixels * (right * d).sum() / depth,
            Double(height) / 2 - focalPixels * (up * d).sum() / depth, -depth * focalPixels / distanceMillimetres)
    }

    /// The model-frame displacement (mm, in the plane facing the camera) that moves `point`'s
    /// image by `pixels` (x right, y down), to first order.
    public func modelOffset(ofPixels pixels: SIMD2<Double>, at point: SIMD3<Double>, centroid: SIMD3<Double>)
        -> SIMD3<Double>
    {
        let (right, up, forward, position) = frame(centroid: centroid)
        let scale = focalPixels / (forward * (point - position)).sum()
        return right * (pixels.x / scale) - up * (pixels.y / scale)
    }

    /// The camera's right, up and forward axes and its position, model frame.
    private func frame(centroid: SIMD3<Double>) -> (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>, SIMD3<Double>) {
        let (position, target) = camera(centroid: centroid)
        func unit(_ v: SIMD3<Double>) -> SIMD3<Double> { v / (v * v).sum().squareRoot() }
        let forward = unit(target - position)
        let right = unit(cross(forward, SIMD3(0, 1, 0)))
        return (right, cross(right, forward), forward, position)
    }
}

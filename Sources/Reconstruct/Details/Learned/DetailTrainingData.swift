import Formats
import Foundation
import Neural

/// How `facedetail train detail` trains the detail network (docs/details.md).
public struct DetailTrainingOptions: Codable, Sendable, Equatable {
    public var seed: UInt64 = 1
    public var steps = 6000
    /// Crops per step, and their side in texels (the network is fully convolutional: it is
    /// trained on crops and run on the whole tile).
    public var batch = 4
    public var crop = 128
    /// Synthetic pairs generated before training; steps draw crops from them (with mirror images).
    public var pairs = 480
    /// Adam, as pix2pix (β₁ = 0.5); the rate falls linearly to zero over the last `decaySteps`.
    public var learningRate: Float = 5e-4
    public var beta1: Float = 0.5
    public var decaySteps = 2000
    /// LSGAN + λ·L1 (pix2pix, the paper: λ = 100), L1 = geometry + η·photometric (η = 0.5).
    public var lambda: Float = 100
    /// The geometry L1 is measured in units of this many mm (0.1: a shallow wrinkle's depth).
    /// λ's balance against the GAN term depends on the unit: pix2pix's images span [−1, 1] and its
    /// L1 errors are tenths of that range, so λ·L1 outweighs the GAN term tens of times; in mm
    /// our errors are hundredths, and λ·L1 only matched the GAN term, which then traded accuracy
    /// for texture (held-out correlation fell from 0.48 at step 500 to 0.55 at step 3,250 while a
    /// run without the GAN term reached 0.62 in 1,000 steps). In tenths of a mm the balance is
    /// pix2pix's again.
    public var geometryUnit: Float = 0.1
    public var eta: Float = 0.5
    /// Steps with the geometry loss only; after them supervised and unsupervised (photometric)
    /// batches alternate, as in the paper.
    public var geometrySteps = 3000
    public var network = DetailNet.Configuration()
    /// The generator's adversarial (LSGAN) term's weight: 1 as pix2pix; 0 trains on λ·L1 alone
    /// (the discriminator is then not trained).
    public var adversarialWeight: Float = 1
    public var discriminatorFilters = 16
    public var discriminatorLayers = 3
    public init() {}
}

/// One line of the training log.
public struct DetailTrainingRecord: Codable, Sendable, Equatable {
    public var step: Int
    /// Mean |predicted − true| displacement over the batch's seen texels, mm (supervised steps).
    public var geometry: Double?
    /// The photometric loss (linear RGB, 0–1; unsupervised steps).
    public var photometric: Double?
    /// The generator's and the discriminator's least-squares GAN losses (supervised steps).
    public var adversarial: Double?
    public var discriminator: Double?
    /// Wall-clock seconds the step took.
    public var seconds: Double
}

/// A synthetic pair as the trainer keeps it: input planes, target and mask on the grid.
struct TrainingExample: Sendable {
    let planes: [Float]
    /// mm.
    let target: [Float]
    /// 1 where the target counts (covered and seen), else 0.
    let mask: [Float]

    init(_ pair: SyntheticDetailPair, planes count: Int) {
        let planes = DetailNetInput.planes(texture: pair.texture, surface: pair.surface, count: count)
        let area = pair.size * pair.size
        self.planes = planes
        target = pair.displacement
        mask = (0..<area).map { pair.surface.covered[$0] && planes[area + $0] > 0.05 ? 1 : 0 }
    }
}

/// A real photo's face for the photometric loss: the network's planes and the loss on its grid.
public struct RealDetailExample: Sendable {
    public let planes: [Float]
    public let loss: PhotometricDetailLoss
    public let name: String

    /// The estimated albedo averaged over the weighted texels, linear RGB (a skin tone for the
    /// synthetic pairs).
    public var meanAlbedo: SIMD3<Float> {
        var sum = SIMD3<Float>.zero
        var weight: Float = 0
        for i in loss.weights.indices where loss.weights[i] > 0 {
            sum += loss.weights[i] * loss.appearance.albedo[i]
            weight += loss.weights[i]
        }
        return weight > 0 ? sum / weight : SIMD3(0.5, 0.35, 0.28)
    }

    /// From a reconstruction's proxy stage: the unwrap averaged onto the grid, the light and
    /// albedo `sfs` would estimate (with its robust weights).
    public init(
        name: String, texture: Image<UInt8>, proxy: Mesh, rotation: [SIMD3<Double>], grid: Int,
        planes count: Int = DetailNetInput.planeCount
    ) throws {
        let surface = SurfaceBuffer(mesh: proxy, rotation: rotation, size: grid)
        let (samples, appearance) = try ShadingDetail().robustAppearance(texture: texture, surface: surface)
        self.name = name
        planes = DetailNetInput.planes(texture: texture, surface: surface, count: count)
        loss = PhotometricDetailLoss(
            surface: surface, appearance: appearance, colours: samples.colours, weights: samples.weights)
    }
}

/// Crops of examples stacked into a batch tensor.
enum Crops {
    /// Copies the window (x0, y0, side) of each plane of a grid × grid stack, mirrored left–right
    /// when `mirror` (then the normal's x plane, index 2, changes sign).
    static func cut(
        _ planes: [Float], count: Int, grid n: Int, x0: Int, y0: Int, side: Int, mirror: Bool, normalX: Int?
    )
        -> [Float]
    {
        var out = [Float](repeating: 0, count: count * side * side)
        for p in 0..<count {
            let flip: Float = mirror && p == normalX ? -1 : 1
            for y in 0..<side {
                let row = p * n * n + (y0 + y) * n + x0
                for x in 0..<side {
                    out[p * side * side + y * side + x] = flip * planes[row + (mirror ? side - 1 - x : x)]
                }
            }
        }
        return out
    }
}

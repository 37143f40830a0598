import Formats
import Foundation

/// How a detail synthesizer does on a real photo, where no truth exists: the photometric error of
/// the proxy and of the detailed surface under the light and albedo estimated from the photo
/// (`DetailResult.photometricError`), and the share of seen texels whose displacement sits at
/// the ±4 mm clamp (relief the synthesizer could not explain within it).
public struct RealPhotoDetailScore: Codable, Sendable {
    /// "photo.jpg" or "photo.jpg#k" for the k-th face of a group (largest first, from 0).
    public var face: String
    public var synthesizer: String
    /// RMS linear-RGB error, 0–1.
    public var proxyError: Double
    public var detailedError: Double
    /// 0–1.
    public var clampShare: Double
    /// Wall-clock seconds of `synthesize`.
    public var seconds: Double

    /// 1 − detailed / proxy: the share of the proxy's photometric error the detail removes.
    public var reduction: Double { proxyError > 0 ? 1 - detailedError / proxyError : 0 }

    /// Every face of every photo (`FaceCrops`), reconstructed once, then each synthesizer on it.
    public static func score(
        _ synthesizers: [any DetailSynthesizer], photos: [URL], reconstructor: ProxyReconstructor,
        progress: (String) -> Void = { _ in }
    ) throws -> [RealPhotoDetailScore] {
        var out: [RealPhotoDetailScore] = []
        let clock = ContinuousClock()
        for (name, proxy) in try FaceCrops.reconstructions(
            of: photos, reconstructor: reconstructor, progress: progress)
        {
            let input = DetailStage.input(proxy)
            // Synthesizers without a light model (`none`) report no photometric error and are left out.
            for synthesizer in synthesizers {
                let start = clock.now
                let result = try synthesizer.synthesize(input)
                let seconds = (clock.now - start).seconds
                guard let errors = result.photometricError else { continue }
                out.append(
                    RealPhotoDetailScore(
                        face: name, synthesizer: synthesizer.id, proxyError: errors.proxy,
                        detailedError: errors.detailed,
                        clampShare: clampShare(result.displacement, alpha: proxy.texture), seconds: seconds))
            }
        }
        return out
    }

    /// Texels with alpha > 0 whose |displacement| is within 1 µm of the 4 mm clamp, over those texels.
    static func clampShare(_ map: DisplacementMap, alpha texture: Image<UInt8>) -> Double {
        var seen = 0
        var clamped = 0
        for i in 0..<(texture.width * texture.height) where texture.pixels[4 * i + 3] > 0 {
            seen += 1
            if abs(map.values.pixels[i]) >= 4 - 1e-3 { clamped += 1 }
        }
        return seen > 0 ? Double(clamped) / Double(seen) : 0
    }
}

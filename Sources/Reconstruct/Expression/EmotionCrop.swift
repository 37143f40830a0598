import Formats
import Foundation

/// The face as EmotionNet expects it: grey (ITU-R 601 luma, as OpenCV's BGR2GRAY), 64 × 64,
/// values (v / 255 − 0.5) · 2, framed as fer frames it. fer takes OpenCV's Haar box, squares it
/// and widens it by 10 px a side. Measured on the 4 faces of ../shared/photos both find
/// (astronaut.png and group.jpg), the Haar box is 1.15 × the width of the 68 landmarks' bounds
/// (1.02–1.28) with its centre 0.16 of its side above theirs; fer's 10 px are 0.09 of a box of
/// that size. So the crop here is a square of 1.35 × the landmarks' width, centred 0.14 of its
/// side above the landmarks' centre: it does not depend on which detector found the face.
/// Pixels outside the photo take the mean of the photo's bottom two rows, as fer's padding does.
public struct EmotionCrop: Sendable {
    public static let side = 64
    /// Crop side ÷ the landmarks' width, and the crop centre's lift ÷ the crop side.
    public static let widthFactor = 1.35
    public static let lift = 0.14

    /// side × side values in [−1, 1], row-major, top row first.
    public let values: [Float]
    /// The square crop in photo pixels (x, y of the top-left corner, side).
    public let box: (x: Double, y: Double, side: Double)

    public init(photo: Image<UInt8>, landmarks: Landmarks68) {
        let xs = landmarks.points.map(\.x)
        let ys = landmarks.points.map(\.y)
        let width = max(xs.max()! - xs.min()!, 1)
        let side = Self.widthFactor * width
        let centre = SIMD2((xs.max()! + xs.min()!) / 2, (ys.max()! + ys.min()!) / 2 - Self.lift * side)
        let box = (x: centre.x - side / 2, y: centre.y - side / 2, side: side)
        self.box = box
        values = Self.sample(photo, box: box)
    }

    /// Area-averaged samples of the box (each output pixel the mean of the photo pixels its square
    /// covers, on a 4 × 4 grid of points when it covers fewer than 4 × 4 pixels). Grey is taken
    /// only at the pixels sampled, never for the whole photo: a group photo is cropped once per face.
    static func sample(_ photo: Image<UInt8>, box: (x: Double, y: Double, side: Double)) -> [Float] {
        let n = side
        let fill: Float = {
            let rows = max(photo.height - 2, 0)..<photo.height
            let values = rows.flatMap { y in (0..<photo.width).map { luma(photo, $0, y) } }
            return values.reduce(0, +) / Float(max(values.count, 1))
        }()
        let step = box.side / Double(n)
        let taps = max(4, Int(step.rounded(.up)))
        var out = [Float](repeating: 0, count: n * n)
        for oy in 0..<n {
            for ox in 0..<n {
                var sum: Float = 0
                for ty in 0..<taps {
                    for tx in 0..<taps {
                        let x = Int((box.x + (Double(ox) + (Double(tx) + 0.5) / Double(taps)) * step).rounded(.down))
                        let y = Int((box.y + (Double(oy) + (Double(ty) + 0.5) / Double(taps)) * step).rounded(.down))
                        let inside = x >= 0 && y >= 0 && x < photo.width && y < photo.height
                        sum += inside ? luma(photo, x, y) : fill
                    }
                }
                let v = sum / Float(taps * taps)
                out[oy * n + ox] = (v / 255 - 0.5) * 2
            }
        }
        return out
    }

    /// 0.299 R + 0.587 G + 0.114 B of pixel (x, y), 0–255.
    @inline(__always)
    static func luma(_ photo: Image<UInt8>, _ x: Int, _ y: Int) -> Float {
        let c = photo.channels
        let i = (y * photo.width + x) * c
        guard c >= 3 else { return Float(photo.pixels[i]) }
        let r = 0.299 * Float(photo.pixels[i])
        return r + 0.587 * Float(photo.pixels[i + 1]) + 0.114 * Float(photo.pixels[i + 2])
    }
}

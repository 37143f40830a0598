import Formats
import Foundation

/// Resampling of 8-bit images (any channel count) for detection: box downscaling and in-plane rotation.
extension Image where Pixel == UInt8 {
    /// Box-filtered downscale by an integer `factor` (each output pixel averages factor² inputs);
    /// output pixel (x, y) covers input pixels [x·f, (x+1)·f) × [y·f, (y+1)·f).
    public func downscaled(by factor: Int) -> Image<UInt8> {
        precondition(factor >= 1)
        if factor == 1 { return self }
        let w = width / factor
        let h = height / factor
        let n = channels
        var out = Image<UInt8>(width: w, height: h, channels: n)
        let area = UInt32(factor * factor)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                var sums = [UInt32](repeating: 0, count: w * n)
                for y in 0..<h {
                    for i in 0..<(w * n) { sums[i] = 0 }
                    for dy in 0..<factor {
                        let row = (y * factor + dy) * width * n
                        for x in 0..<w {
                            for c in 0..<n {
                                var s: UInt32 = 0
                                for dx in 0..<factor { s += UInt32(src[row + (x * factor + dx) * n + c]) }
                                sums[x * n + c] += s
                            }
                        }
                    }
                    for i in 0..<(w * n) { dst[y * w * n + i] = UInt8((sums[i] + area / 2) / area) }
                }
            }
        }
        return out
    }

    /// The image turned by `degrees` (counter-clockwise as seen on screen) about its centre, same
    /// size, bilinear, black outside. `ImageRotation` maps coordinates between the two.
    public func rotated(by rotation: ImageRotation) -> Image<UInt8> {
        let n = channels
        var out = Image<UInt8>(width: width, height: height, channels: n)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        // Sample the source at the point the output pixel centre came from.
                        let (sx, sy) = rotation.toSource(Double(x) + 0.5, Double(y) + 0.5)
                        let fx = sx - 0.5
                        let fy = sy - 0.5
                        let x0 = Int(fx.rounded(.down))
                        let y0 = Int(fy.rounded(.down))
                        guard x0 >= 0, y0 >= 0, x0 + 1 < width, y0 + 1 < height else { continue }
                        let ax = fx - Double(x0)
                        let ay = fy - Double(y0)
                        for c in 0..<n {
                            let i = (y0 * width + x0) * n + c
                            let top = Double(src[i]) * (1 - ax) + Double(src[i + n]) * ax
                            let bottom = Double(src[i + width * n]) * (1 - ax) + Double(src[i + (width + 1) * n]) * ax
                            dst[(y * width + x) * n + c] = UInt8((top * (1 - ay) + bottom * ay).rounded())
                        }
                    }
                }
            }
        }
        return out
    }
}

/// An in-plane rotation about an image's centre, in degrees, positive counter-clockwise on screen
/// (y grows downward). Coordinates are pixel-corner based (DESIGN.md §3).
public struct ImageRotation: Sendable {
    public let degrees: Double
    let centre: (x: Double, y: Double)
    private let cosA: Double, sinA: Double

    public init(degrees: Double, width: Int, height: Int) {
        self.degrees = degrees
        centre = (Double(width) / 2, Double(height) / 2)
        let a = degrees * .pi / 180
        cosA = Foundation.cos(a)
        sinA = Foundation.sin(a)
    }

    /// Where a point of the rotated image lies in the source image.
    public func toSource(_ x: Double, _ y: Double) -> (Double, Double) {
        let dx = x - centre.x
        let dy = y - centre.y
        // Counter-clockwise on screen with y down is a clockwise turn in maths axes; invert it here.
        return (centre.x + cosA * dx - sinA * dy, centre.y + sinA * dx + cosA * dy)
    }
}

extension Image where Pixel == UInt8 {
    /// Bilinear resize to `width` × `height` (pixel centres aligned, edges clamped), any channel count.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image<UInt8> {
        var out = Image<UInt8>(width: newWidth, height: newHeight, channels: channels)
        let sx = Double(width) / Double(newWidth)
        let sy = Double(height) / Double(newHeight)
        for y in 0..<newHeight {
            let fy = min(max((Double(y) + 0.5) * sy - 0.5, 0), Double(height - 1))
            let y0 = Int(fy)
            let y1 = min(y0 + 1, height - 1)
            let ay = fy - Double(y0)
            for x in 0..<newWidth {
                let fx = min(max((Double(x) + 0.5) * sx - 0.5, 0), Double(width - 1))
                let x0 = Int(fx)
                let x1 = min(x0 + 1, width - 1)
                let ax = fx - Double(x0)
                for c in 0..<channels {
                    let top = Double(self[x0, y0, c]) * (1 - ax) + Double(self[x1, y0, c]) * ax
                    let bottom = Double(self[x0, y1, c]) * (1 - ax) + Double(self[x1, y1, c]) * ax
                    out[x, y, c] = UInt8((top * (1 - ay) + bottom * ay).rounded())
                }
            }
        }
        return out
    }
}

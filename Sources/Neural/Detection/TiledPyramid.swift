/// dlib's tiled image pyramid (`input_rgb_image_pyramid<pyramid_down<N>>`): the image and its
/// successively smaller copies, each (N − 1)/N the size of the one before, packed onto one zero
/// canvas so a sliding-window network sees every scale in a single pass. The layout, the sizes
/// and the bilinear resampling follow dlib 19.24 exactly (`compute_tiled_image_pyramid_details`,
/// `resize_image` on float planes), so a network run here sees the pixels dlib's does.
public struct TiledPyramid: Sendable, Equatable {
    /// A level's place on the canvas, pixels (left, top, width, height).
    public struct Level: Sendable, Equatable {
        public let x: Int, y: Int, width: Int, height: Int
        var right: Int { x + width - 1 }
        var bottom: Int { y + height - 1 }
    }

    /// N of pyramid_down<N>.
    public let downFactor: Int
    /// Level 0 is the image itself.
    public let levels: [Level]
    public let canvasWidth: Int, canvasHeight: Int

    /// The layout for an image of `width` × `height`: levels down to 5 rows, the first column
    /// stacked downwards with `padding` between levels, the rest doubling back up the right side,
    /// and `outerPadding` around the canvas.
    public init(width: Int, height: Int, downFactor: Int = 6, padding: Int = 10, outerPadding: Int = 11) {
        precondition(width > 0 && height > 0 && downFactor > 1)
        self.downFactor = downFactor
        let rate = Double(downFactor - 1) / Double(downFactor)
        var sizes = [(width, height)]
        var (w, h) = (width, height)
        while true {
            (w, h) = (Int((rate * Double(w)).rounded(.down)), Int((rate * Double(h)).rounded(.down)))
            if w * h == 0 || h < 5 { break }
            sizes.append((w, h))
        }
        var totalHeight = sizes.reduce(0) { $0 + $1.1 + padding } - 2 * padding
        var columnHeight = 0
        var previousWidth = 0
        for (w, h) in sizes {
            if w <= width - previousWidth - padding && (columnHeight - height) * 2 >= totalHeight - height { break }
            columnHeight += h + padding
            previousWidth = w
        }
        columnHeight -= padding
        totalHeight = columnHeight
        canvasWidth = width + 2 * outerPadding
        canvasHeight = totalHeight + 2 * outerPadding

        var placed: [Level] = []
        var y = outerPadding
        var i = 0
        while y < totalHeight + outerPadding && i < sizes.count {
            placed.append(Level(x: outerPadding, y: y, width: sizes[i].0, height: sizes[i].1))
            y += sizes[i].1 + padding
            i += 1
        }
        y -= padding
        let first = placed[0]
        while i < sizes.count {
            let (w, h) = sizes[i]
            let level = Level(x: outerPadding + width - w, y: y - h, width: w, height: h)
            // Stop where the row would run into the image itself.
            let overlapsFirst =
                max(level.x, first.x) <= min(level.right, first.right)
                && max(level.y, first.y) <= min(level.bottom, first.bottom)
            if overlapsFirst { break }
            placed.append(level)
            y -= h + padding
            i += 1
        }
        levels = placed
    }

    /// The canvas as a [1, 3, H, W] tensor of an interleaved 8-bit RGB image (`width` × `height`,
    /// the pyramid's level 0): each channel minus its mean, over 256, on level 0; each later
    /// level resampled from the one before. Written into `canvas`, reusing its storage: the
    /// gaps between levels are zeroed only when `previous` (the layout `canvas` last held) differs.
    public func fill(_ canvas: inout Tensor, previous: TiledPyramid?, rgb: [UInt8], means: SIMD3<Float>) {
        let first = levels[0]
        precondition(rgb.count == first.width * first.height * 3)
        let shape = [1, 3, canvasHeight, canvasWidth]
        let fresh = canvas.shape != shape
        if fresh { canvas = Tensor(shape: shape) }
        let plane = canvasHeight * canvasWidth
        let stride = canvasWidth
        canvas.values.withUnsafeMutableBufferPointer { out in
            let base = UncheckedSendable(value: out.baseAddress!)
            if !fresh && previous != self { base.value.update(repeating: 0, count: out.count) }
            rgb.withUnsafeBufferPointer { px in
                let source = UncheckedSendable(value: px.baseAddress!)
                Lanes.run(Lanes.count) { lane in
                    for r in Swift.stride(from: lane, to: first.height, by: Lanes.count) {
                        let pixels = source.value + r * first.width * 3
                        for c in 0..<3 {
                            let mean = means[c]
                            let row = base.value + c * plane + (first.y + r) * stride + first.x
                            for x in 0..<first.width { row[x] = (Float(pixels[3 * x + c]) - mean) / 256 }
                        }
                    }
                }
            }
            for i in 1..<levels.count {
                let (from, to) = (levels[i - 1], levels[i])
                let ys = Self.rowPositions(from: from.height, to: to.height)
                Lanes.run(Lanes.count) { lane in
                    for c in 0..<3 {
                        let channel = base.value + c * plane
                        Self.resize(
                            channel + from.y * stride + from.x, width: from.width, height: from.height,
                            into: channel + to.y * stride + to.x, width: to.width, height: to.height, rowStride: stride,
                            rows: Swift.stride(from: lane, to: to.height, by: Lanes.count), ys: ys)
                    }
                }
            }
        }
    }

    /// The pixel rectangle of the image that a canvas rectangle covers (dlib's
    /// `tiled_pyramid_to_image`): the level nearest its centre, then up that many levels.
    public func imageRectangle(canvas r: (left: Double, top: Double, right: Double, bottom: Double)) -> (
        (left: Double, top: Double, right: Double, bottom: Double), level: Int
    ) {
        let cx = ((r.left + r.right) / 2 + 0.5).rounded(.down)
        let cy = ((r.top + r.bottom) / 2 + 0.5).rounded(.down)
        var best = 0
        var bestDistance = Double.infinity
        for (i, level) in levels.enumerated() {
            let nx = min(max(cx, Double(level.x)), Double(level.right))
            let ny = min(max(cy, Double(level.y)), Double(level.bottom))
            if nx == cx && ny == cy {
                best = i
                break
            }
            let distance = ((nx - cx) * (nx - cx) + (ny - cy) * (ny - cy)).squareRoot()
            if distance < bestDistance { (best, bestDistance) = (i, distance) }
        }
        let origin = levels[best]
        let ratio = Double(downFactor) / Double(downFactor - 1)
        func up(_ v: Double, _ o: Int) -> Double {
            var p = v - Double(o)
            for _ in 0..<best { p = p * ratio + 0.3 }
            return p
        }
        return ((up(r.left, origin.x), up(r.top, origin.y), up(r.right, origin.x), up(r.bottom, origin.y)), best)
    }
}

extension TiledPyramid {
    /// The source row each output row samples, stepped as dlib steps it (a running sum).
    static func rowPositions(from inHeight: Int, to outHeight: Int) -> [Double] {
        let yScale = Double(inHeight - 1) / Double(max(outHeight - 1, 1))
        var y = -yScale
        return (0..<outHeight).map { _ in
            y += yScale
            return y
        }
    }

    /// dlib's bilinear `resize_image` for float planes, operation for operation: four columns at
    /// a time in float with the positions stepped in float, the last columns in double. Corner
    /// sampling: output column c reads input column c · (inWidth − 1)/(outWidth − 1).
    static func resize(
        _ source: UnsafeMutablePointer<Float>, width inWidth: Int, height inHeight: Int,
        into target: UnsafeMutablePointer<Float>, width outWidth: Int, height outHeight: Int, rowStride: Int,
        rows: StrideTo<Int>, ys: [Double]
    ) {
        let xScale = Double(inWidth - 1) / Double(max(outWidth - 1, 1))
        for r in rows {
            let y = ys[r]
            let top = Int(y.rounded(.down))
            let bottom = min(top + 1, inHeight - 1)
            let tb = y - Double(top)
            let (tbF, invTbF) = (Float(tb), Float(1 - tb))
            let upper = source + top * rowStride
            let lower = source + bottom * rowStride
            let out = target + r * rowStride
            let x0 = -4 * xScale
            let step = Float(4 * xScale)
            var lanes = SIMD4<Float>(Float(x0), Float(x0 + xScale), Float(x0 + 2 * xScale), Float(x0 + 3 * xScale))
            var c = 0
            while true {
                lanes += SIMD4(repeating: step)
                let left = SIMD4<Int32>(Int32(lanes[0]), Int32(lanes[1]), Int32(lanes[2]), Int32(lanes[3]))
                if Int(left[3]) + 1 >= inWidth { break }
                let lr = lanes - SIMD4<Float>(left)
                let invLr = 1 - lr
                let (tlf, trf) = (invTbF * invLr, invTbF * lr)
                let (blf, brf) = (tbF * invLr, tbF * lr)
                for k in 0..<4 {
                    let l = Int(left[k])
                    let value = tlf[k] * upper[l] + trf[k] * upper[l + 1] + blf[k] * lower[l] + brf[k] * lower[l + 1]
                    out[c + k] = value
                }
                c += 4
            }
            var x = -xScale + Double(c) * xScale
            while c < outWidth {
                x += xScale
                let left = Int(x.rounded(.down))
                let right = min(left + 1, inWidth - 1)
                let lr = Float(x - Double(left))
                let a = (1 - lr) * upper[left] + lr * upper[right]
                let b = (1 - lr) * lower[left] + lr * lower[right]
                out[c] = Float((1 - tb) * Double(a) + tb * Double(b))
                c += 1
            }
        }
    }
}

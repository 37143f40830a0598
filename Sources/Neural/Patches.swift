/// The im2col layout of one group of one sample: row (c, ky, kx) holds, for each output position,
/// the input value that kernel tap meets there (zero in the padding). Works on column ranges
/// ("tiles") so a layer can fill a cache-sized block, multiply it, and move on.
///
/// Copies run along output rows: per (c, ky, kx, output row) the valid x range is found once,
/// the padding is zero-filled, and the inside is one contiguous copy at stride 1 (a strided
/// gather otherwise), rather than a bounds test per element.
struct Patches {
    /// Image channels in the group, and the image's size.
    let channels: Int, height: Int, width: Int
    let kernelHeight: Int, kernelWidth: Int
    let stride: Int, padding: Int, dilation: Int
    /// Output (patch grid) size.
    let outputHeight: Int, outputWidth: Int

    init(_ s: ConvolutionShape, channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        (kernelHeight, kernelWidth) = s.kernel
        (stride, padding, dilation) = (s.stride, s.padding, s.dilation)
        (outputHeight, outputWidth) = s.outputSize(height: height, width: width)
    }

    var rows: Int { channels * kernelHeight * kernelWidth }
    var positions: Int { outputHeight * outputWidth }

    /// Output columns ox whose tap kx lands inside the image: ox·stride + kx·dilation − padding ∈ [0, width).
    @inline(__always) private func insideColumns(_ kx: Int) -> Range<Int> {
        let offset = kx * dilation - padding
        let low = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = width - 1 - offset
        let high = last < 0 ? 0 : min(outputWidth, last / stride + 1)
        return low..<max(low, high)
    }

    /// Calls body(row, image row y or nil, output columns ox0..<ox1, inside columns, destination
    /// offset) for every run of one output row within `tile`.
    @inline(__always) private func forEachRun(
        _ tile: Range<Int>,
        _ body: (_ row: Int, _ y: Int?, _ ox0: Int, _ ox1: Int, _ inside: Range<Int>, _ column: Int) -> Void
    ) {
        for c in 0..<channels {
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let row = (c * kernelHeight + ky) * kernelWidth + kx
                    let inside = insideColumns(kx)
                    var q = tile.lowerBound
                    while q < tile.upperBound {
                        let oy = q / outputWidth
                        let ox0 = q - oy * outputWidth
                        let ox1 = min(outputWidth, ox0 + tile.upperBound - q)
                        let y = oy * stride - padding + ky * dilation
                        body(
                            row, y >= 0 && y < height ? y : nil, ox0, ox1, inside.clamped(to: ox0..<ox1),
                            q - tile.lowerBound)
                        q += ox1 - ox0
                    }
                }
            }
        }
    }

    /// Writes columns `tile` of the patch matrix of `image` (the group's first channel plane) into
    /// `destination`, rows `rowStride` floats apart (by default a rows × tile.count block).
    func gather(
        _ image: UnsafePointer<Float>, tile: Range<Int>, into destination: UnsafeMutablePointer<Float>,
        rowStride: Int? = nil
    ) {
        let (t, plane) = (rowStride ?? tile.count, height * width)
        forEachRun(tile) { row, y, ox0, ox1, inside, column in
            let out = destination + row * t + column - ox0  // indexed by ox
            guard let y, !inside.isEmpty else {
                (out + ox0).update(repeating: 0, count: ox1 - ox0)
                return
            }
            let kx = row % kernelWidth
            let c = row / (kernelHeight * kernelWidth)
            let source = image + c * plane + y * width + kx * dilation - padding  // indexed by ox·stride
            (out + ox0).update(repeating: 0, count: inside.lowerBound - ox0)
            if stride == 1 {
                (out + inside.lowerBound).update(from: source + inside.lowerBound, count: inside.count)
            } else if stride == 2 {
                Self.gatherEven(from: source, into: out, inside, rowEnd: width - (kx * dilation - padding))
            } else {
                for ox in inside { out[ox] = source[ox * stride] }
            }
            (out + inside.upperBound).update(repeating: 0, count: ox1 - inside.upperBound)
        }
    }

    /// True when the patch matrix is the image itself (1 × 1 kernel, stride 1, no padding).
    var isImage: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// Adds columns `tile` of a patch-matrix gradient (`source`, rows `rowStride` floats apart, by
    /// default tile.count) back onto the image gradient `image` (the group's first channel plane).
    func scatterAdd(
        _ source: UnsafePointer<Float>, rowStride: Int? = nil, tile: Range<Int>, into image: UnsafeMutablePointer<Float>
    ) {
        let (t, plane) = (rowStride ?? tile.count, height * width)
        forEachRun(tile) { row, y, ox0, _, inside, column in
            guard let y, !inside.isEmpty else { return }
            let from = source + row * t + column - ox0
            let kx = row % kernelWidth
            let c = row / (kernelHeight * kernelWidth)
            let target = image + c * plane + y * width + kx * dilation - padding
            if stride == 1 {
                for ox in inside { target[ox] += from[ox] }
            } else if stride == 2 {
                Self.scatterAddEven(from, onto: target, inside, rowEnd: width - (kx * dilation - padding))
            } else {
                for ox in inside { target[ox * stride] += from[ox] }
            }
        }
    }

    // Stride 2 (pix2pix's 4×4 down- and up-sampling): eight outputs per step from one 16-wide
    // load and its even lanes, while those 16 values stay inside the image row (index < rowEnd,
    // relative to the run's source pointer); the rest one at a time.

    @inline(__always)
    private static func gatherEven(
        from source: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ inside: Range<Int>, rowEnd: Int
    ) {
        var ox = inside.lowerBound
        while ox + 8 <= inside.upperBound && 2 * ox + 16 <= rowEnd {
            let pair = UnsafeRawPointer(source + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(out + ox).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
            ox += 8
        }
        while ox < inside.upperBound {
            out[ox] = source[2 * ox]
            ox += 1
        }
    }

    @inline(__always)
    private static func scatterAddEven(
        _ from: UnsafePointer<Float>, onto target: UnsafeMutablePointer<Float>, _ inside: Range<Int>, rowEnd: Int
    ) {
        var ox = inside.lowerBound
        while ox + 8 <= inside.upperBound && 2 * ox + 16 <= rowEnd {
            let address = UnsafeMutableRawPointer(target + 2 * ox)
            var pair = address.loadUnaligned(as: SIMD16<Float>.self)
            pair.evenHalf += UnsafeRawPointer(from + ox).loadUnaligned(as: SIMD8<Float>.self)
            address.storeBytes(of: pair, as: SIMD16<Float>.self)
            ox += 8
        }
        while ox < inside.upperBound {
            target[2 * ox] += from[ox]
            ox += 1
        }
    }
}

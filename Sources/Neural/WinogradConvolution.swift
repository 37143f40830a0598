/// A 5 × 5, stride-1, padding-2 convolution by Winograd's minimal filtering F(2 × 2, 5 × 5): each
/// 2 × 2 block of outputs comes from a 6 × 6 block of inputs through 36 products per channel
/// pair instead of 100, i.e. 9 multiplications per output and channel pair instead of 25.
/// Transforms (Lavin & Gray 2016; points 0, ±1, ±2, ∞): V = Bᵀ d B per input tile and channel,
/// U = G g Gᵀ per filter (once), M = U ⊙ V summed over channels as 36 matrix products, Y = Aᵀ M A.
/// Eight tiles along a row are transformed at once (SIMD8); bands of tile rows bound the
/// memory and the two cores take alternate bands. Float round-off stays within about 1e-5 of
/// the direct product (relative to the largest output) on unit-scale inputs.
enum WinogradConvolution {
    /// 5 × 5, stride 1, padding 2 ("same"), no groups or dilation.
    static func suits(_ s: ConvolutionShape) -> Bool {
        s.kernel == (5, 5) && s.stride == 1 && s.padding == 2 && s.dilation == 1 && s.groups == 1
    }

    /// The transformed filters: 36 matrices of out × in, U[ξ][k][c] = (G g_kc Gᵀ)[ξ].
    struct Kernels: Sendable {
        let values: [Float]
        let outputs: Int, inputs: Int
    }

    static func kernels(_ weight: Tensor, shape s: ConvolutionShape) -> Kernels {
        let (k, c) = (s.outputChannels, s.inputChannels)
        let g: [[Double]] = [
            [1.0 / 4, 0, 0, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6],
            [-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6], [1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3],
            [1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3], [0, 0, 0, 0, 1],
        ]
        var u = [Float](repeating: 0, count: 36 * k * c)
        for o in 0..<k {
            for i in 0..<c {
                let base = (o * c + i) * 25
                // G g (6 × 5), then (G g) Gᵀ (6 × 6).
                var gg = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 6)
                for a in 0..<6 {
                    for col in 0..<5 {
                        var sum = 0.0
                        for r in 0..<5 { sum += g[a][r] * Double(weight.values[base + r * 5 + col]) }
                        gg[a][col] = sum
                    }
                }
                for a in 0..<6 {
                    for b in 0..<6 {
                        var sum = 0.0
                        for col in 0..<5 { sum += gg[a][col] * g[b][col] }
                        u[((a * 6 + b) * k + o) * c + i] = Float(sum)
                    }
                }
            }
        }
        return Kernels(values: u, outputs: k, inputs: c)
    }

    /// output [1, out, H, W] = input [1, in, H, W] ⋆ weight + bias, rectified when asked.
    static func forward(
        _ input: Tensor, kernels: Kernels, bias: [Float], rectify: Bool, into output: inout Tensor
    ) {
        precondition(input.rank == 4 && input.shape[0] == 1 && input.shape[1] == kernels.inputs)
        let (c, h, w, k) = (kernels.inputs, input.shape[2], input.shape[3], kernels.outputs)
        let shape = [1, k, h, w]
        if output.shape != shape { output = Tensor(shape: shape) }
        let tilesY = (h + 1) / 2
        let blocks = (w + 15) / 16  // blocks of 8 tiles (16 output columns)
        let tilesX = blocks * 8
        let bandWidth = 2 * tilesX + 4 + 16  // padding 2 left, the rest right (room for 16-wide loads)
        let bandRows = max(1, min(tilesY, 1024 / tilesX))  // about 1,024 tiles per band
        let bands = stride(from: 0, to: tilesY, by: bandRows).map { $0..<min(tilesY, $0 + bandRows) }
        let lanes = bands.count > 1 ? Lanes.count : 1
        Tensor.withPointers([input], &output) { read, out in
            let (x, y) = (UncheckedSendable(value: read[0]), UncheckedSendable(value: out))
            kernels.values.withUnsafeBufferPointer { u in
                let uBase = UncheckedSendable(value: u.baseAddress!)
                Lanes.run(lanes) { lane in
                    for band in stride(from: lane, to: bands.count, by: lanes).map({ bands[$0] }) {
                        let tiles = band.count * tilesX
                        let rows = 2 * band.count + 4
                        let padded = Workspace.current.buffer(0, count: c * rows * bandWidth)
                        let v = Workspace.current.buffer(1, count: 36 * c * tiles)
                        let m = Workspace.current.buffer(2, count: 36 * k * tiles)
                        // The band's input rows, zero-padded.
                        padded.update(repeating: 0, count: c * rows * bandWidth)
                        for ch in 0..<c {
                            for r in 0..<rows {
                                let iy = 2 * band.lowerBound + r - 2
                                guard iy >= 0 && iy < h else { continue }
                                (padded + (ch * rows + r) * bandWidth + 2).update(
                                    from: x.value + (ch * h + iy) * w, count: w)
                            }
                        }
                        for ch in 0..<c {
                            for ty in 0..<band.count {
                                for block in 0..<blocks {
                                    let source = padded + (ch * rows + 2 * ty) * bandWidth + 16 * block
                                    let t0 = ty * tilesX + 8 * block
                                    inputTransform(
                                        source, rowStride: bandWidth, into: v + ch * tiles + t0, stride: c * tiles)
                                }
                            }
                        }
                        for xi in 0..<36 {
                            Matrix.multiply(
                                m: k, n: tiles, k: c, a: uBase.value + xi * k * c, lda: c, b: v + xi * c * tiles,
                                ldb: tiles, c: m + xi * k * tiles, ldc: tiles, parallel: false)
                        }
                        for o in 0..<k {
                            for ty in 0..<band.count {
                                let oy = 2 * (band.lowerBound + ty)
                                for block in 0..<blocks {
                                    let t0 = ty * tilesX + 8 * block
                                    outputTransform(
                                        m + o * tiles + t0, stride: k * tiles, bias: bias[o], rectify: rectify,
                                        into: y.value + o * h * w, row: oy, column: 16 * block, height: h, width: w)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    typealias Six = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// Bᵀ x for six vectors (the 1-D input transform).
    @inline(__always)
    private static func bt(_ x: Six) -> Six {
        (
            4 * x.0 - 5 * x.2 + x.4,
            -4 * x.1 - 4 * x.2 + x.3 + x.4,
            4 * x.1 - 4 * x.2 - x.3 + x.4,
            -2 * x.1 - x.2 + 2 * x.3 + x.4,
            2 * x.1 - x.2 - 2 * x.3 + x.4,
            4 * x.1 - 5 * x.3 + x.5
        )
    }

    /// Bᵀ d B for eight tiles side by side: `source` is the tiles' top-left input (padded
    /// coordinates); V[ξ] for tile l goes to target[ξ · stride + l].
    @inline(__always)
    private static func inputTransform(
        _ source: UnsafePointer<Float>, rowStride: Int, into target: UnsafeMutablePointer<Float>, stride: Int
    ) {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 72) { buffer in
            let d = buffer.baseAddress!
            let t = d + 36
            // d[i][j] over the 8 tiles: input (row i, column 2l + j).
            for i in 0..<6 {
                let line = source + i * rowStride
                for j in 0..<6 {
                    d[i * 6 + j] = UnsafeRawPointer(line + j).loadUnaligned(as: SIMD16<Float>.self).evenHalf
                }
            }
            // Along i for each column j, then along j for each transformed row.
            for j in 0..<6 {
                let y = bt((d[j], d[6 + j], d[12 + j], d[18 + j], d[24 + j], d[30 + j]))
                (t[j], t[6 + j], t[12 + j], t[18 + j], t[24 + j], t[30 + j]) = y
            }
            for a in 0..<6 {
                let y = bt((t[a * 6], t[a * 6 + 1], t[a * 6 + 2], t[a * 6 + 3], t[a * 6 + 4], t[a * 6 + 5]))
                let row = target + a * 6 * stride
                UnsafeMutableRawPointer(row).storeBytes(of: y.0, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(row + stride).storeBytes(of: y.1, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(row + 2 * stride).storeBytes(of: y.2, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(row + 3 * stride).storeBytes(of: y.3, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(row + 4 * stride).storeBytes(of: y.4, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(row + 5 * stride).storeBytes(of: y.5, as: SIMD8<Float>.self)
            }
        }
    }

    /// Aᵀ M A for eight tiles, plus bias (and max(0, ·)), written to output rows `row`, `row`+1 and
    /// columns `column`… within the image.
    @inline(__always)
    private static func outputTransform(
        _ m: UnsafePointer<Float>, stride: Int, bias: Float, rectify: Bool, into plane: UnsafeMutablePointer<Float>,
        row: Int, column: Int, height: Int, width: Int
    ) {
        func at(_ a: Int, _ b: Int) -> SIMD8<Float> {
            UnsafeRawPointer(m + (a * 6 + b) * stride).loadUnaligned(as: SIMD8<Float>.self)
        }
        // Along a: two rows of six.
        var r0: Six = (.zero, .zero, .zero, .zero, .zero, .zero)
        var r1: Six = r0
        func along(_ b: Int) -> (SIMD8<Float>, SIMD8<Float>) {
            let (m0, m1, m2, m3, m4, m5) = (at(0, b), at(1, b), at(2, b), at(3, b), at(4, b), at(5, b))
            return (m0 + m1 + m2 + m3 + m4, m1 - m2 + 2 * m3 - 2 * m4 + m5)
        }
        (r0.0, r1.0) = along(0)
        (r0.1, r1.1) = along(1)
        (r0.2, r1.2) = along(2)
        (r0.3, r1.3) = along(3)
        (r0.4, r1.4) = along(4)
        (r0.5, r1.5) = along(5)
        let bias = SIMD8<Float>(repeating: bias)
        for dy in 0..<2 {
            let y = row + dy
            guard y < height else { continue }
            let r = dy == 0 ? r0 : r1
            var left = r.0 + r.1 + r.2 + r.3 + r.4 + bias
            var right = r.1 - r.2 + 2 * r.3 - 2 * r.4 + r.5 + bias
            if rectify {
                left = left.replacing(with: 0, where: left .< 0)
                right = right.replacing(with: 0, where: right .< 0)
            }
            let line = plane + y * width
            if column + 16 <= width {
                for l in 0..<8 {
                    line[column + 2 * l] = left[l]
                    line[column + 2 * l + 1] = right[l]
                }
            } else {
                for l in 0..<8 {
                    if column + 2 * l < width { line[column + 2 * l] = left[l] }
                    if column + 2 * l + 1 < width { line[column + 2 * l + 1] = right[l] }
                }
            }
        }
    }
}

/// A stride-1 convolution with few output channels (a detector's final score map: 45 channels
/// in, 1 out, 9 × 9) computed without im2col. im2col would copy every input value once per
/// kernel tap (81 times) to feed a one-row product; instead one product gives every tap's
/// channel sum at every input position, Z = W′ · X with W′ of (taps · out) × in, and the output
/// is the sum of Z's tap planes shifted into place. Same arithmetic, an efficient product shape
/// (taps · out rows), and the input read once. Bands of rows bound Z's memory; the two cores
/// take alternate bands.
enum TapConvolution {
    /// Worth using when the output channels are few and the kernel large.
    static func suits(_ s: ConvolutionShape) -> Bool {
        s.stride == 1 && s.dilation == 1 && s.groups == 1 && s.outputChannels <= 4
            && s.kernel.height * s.kernel.width >= 25
    }

    /// output [1, out, Ho, Wo] = input [1, in, H, W] ⋆ weight, no bias; `output` reused when it fits.
    static func forward(_ input: Tensor, weight: Tensor, shape s: ConvolutionShape, into output: inout Tensor) throws {
        try s.check(input: input, weight: weight)
        precondition(suits(s) && input.shape[0] == 1)
        let (c, h, w) = (input.shape[1], input.shape[2], input.shape[3])
        let (kh, kw, p, o) = (s.kernel.height, s.kernel.width, s.padding, s.outputChannels)
        let (ho, wo) = s.outputSize(height: h, width: w)
        let shape = [1, o, ho, wo]
        if output.shape != shape { output = Tensor(shape: shape) }
        let rows = kh * kw * o
        // W′[(ky·kw + kx)·o + k, channel] = weight[k, channel, ky, kx].
        var taps = [Float](repeating: 0, count: rows * c)
        for k in 0..<o {
            for ch in 0..<c {
                for t in 0..<(kh * kw) { taps[(t * o + k) * c + ch] = weight.values[(k * c + ch) * kh * kw + t] }
            }
        }
        let bandRows = max(1, (1 << 21) / max(1, rows * w) - kh + 1)
        let bands = stride(from: 0, to: ho, by: bandRows).map { $0..<min(ho, $0 + bandRows) }
        let lanes = bands.count > 1 ? Lanes.count : 1
        Tensor.withPointers([input], &output) { read, out in
            let (x, y) = (UncheckedSendable(value: read[0]), UncheckedSendable(value: out))
            taps.withUnsafeBufferPointer { tapPointer in
                let a = UncheckedSendable(value: tapPointer.baseAddress!)
                Lanes.run(lanes) { lane in
                    for band in stride(from: lane, to: bands.count, by: lanes).map({ bands[$0] }) {
                        // Input rows this band of outputs reads.
                        let r0 = max(0, band.lowerBound - p)
                        let r1 = min(h, band.upperBound - 1 - p + kh)
                        guard r1 > r0 else {
                            (y.value + band.lowerBound * wo).update(repeating: 0, count: band.count * wo)
                            continue
                        }
                        let span = (r1 - r0) * w
                        let z = Workspace.current.buffer(0, count: rows * span)
                        Matrix.multiply(
                            m: rows, n: span, k: c, a: a.value, lda: c, b: x.value + r0 * w, ldb: h * w, c: z,
                            ldc: span,
                            parallel: false)
                        for k in 0..<o {
                            for oy in band {
                                let target = y.value + (k * ho + oy) * wo
                                target.update(repeating: 0, count: wo)
                                for ky in 0..<kh {
                                    let iy = oy - p + ky
                                    guard iy >= r0 && iy < r1 else { continue }
                                    for kx in 0..<kw {
                                        let plane = z + ((ky * kw + kx) * o + k) * span + (iy - r0) * w
                                        let shift = kx - p  // output column ox reads input column ox + shift
                                        let first = max(0, -shift)
                                        let last = min(wo, w - shift)
                                        guard last > first else { continue }
                                        for ox in first..<last { target[ox] += plane[ox + shift] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

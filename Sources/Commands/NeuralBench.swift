import ArgumentParser
import Foundation
import Neural

/// `facedetail bench nn`: the neural engine's convolution throughput against the same-run sgemm
/// rate, and pix2pix U-Net times (optionally beside PyTorch's on the same machine, same run).
struct NeuralBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Convolution GFLOP/s against sgemm, and pix2pix U-Net forward and forward+backward times.",
        discussion: """
            Layers: each convolution's time against the time of one matrix product of its im2col \
            shape (out × in·kh·kw times in·kh·kw × Ho·Wo) on the same buffers, through the same \
            two-core cblas_sgemm wrapper: the ratio is what im2col, col2im and the rest cost. \
            GFLOP/s counts 2 flops per multiply–add. U-Net: pix2pix unet_256 (8 halvings, batch \
            norm, dropout) on one 3 × 256 × 256 input; forward in evaluation mode, forward+backward \
            in training mode. With --pytorch PYTHON, benchmarks/pytorch_unet.py runs the same \
            networks in PyTorch (CPU, 2 threads) in the same run.
            """)

    @Option(help: "U-Net filter counts (ngf), comma-separated.") var filters = CommaSeparated([64, 16])
    @Option(help: "Runs per measurement; the median is reported.") var runs = 5
    @Option(help: "A Python with PyTorch to time the same U-Nets (benchmarks/pytorch_unet.py).") var pytorch: String?
    @Flag(help: "Skip the single-layer measurements (U-Nets only).") var networksOnly = false
    @OptionGroup var report: ReportOptions

    struct LayerRow: Encodable {
        let layer: String
        let megaFlops: Double
        let milliseconds: Double
        let gflops: Double
        let sgemmGflops: Double
        let ratio: Double
    }

    struct NetworkRow: Encodable {
        let filters: Int
        let gigaMacs: Double
        let forwardMs: Double
        let forwardBackwardMs: Double
        /// One Adam step over all parameters with the gradients of a backward pass.
        let adamMs: Double
        let pytorchForwardMs: Double?
        let pytorchForwardBackwardMs: Double?
        let pytorchAdamMs: Double?
    }

    struct Report: Encodable {
        let cores: Int
        let runs: Int
        /// A square 1024³ product on the same path: the machine's practical sgemm peak.
        let sgemmPeakGflops: Double
        let layers: [LayerRow]
        let networks: [NetworkRow]
        let pytorch: String?
    }

    func run() throws {
        let layers = networksOnly ? [] : try ConvolutionCase.all.map { try measure($0) }
        var networks: [NetworkRow] = []
        let torch = try pytorch.map { try PyTorchReference.run(python: $0, filters: filterList, runs: runs) }
        for ngf in filterList {
            let row = try measureUnet(filters: ngf, torch: torch?.networks[String(ngf)])
            networks.append(row)
            progress("U-Net ngf \(ngf): forward \(String(format: "%.1f", row.forwardMs)) ms")
        }
        let result = Report(
            cores: ProcessInfo.processInfo.activeProcessorCount, runs: runs, sgemmPeakGflops: peakRate(),
            layers: layers,
            networks: networks, pytorch: torch?.version)
        if report.json { print(try JSONOutput.encode(result)) } else { printTable(result) }
    }

    private var filterList: [Int] { filters.values }

    private func progress(_ line: String) {
        if !report.json { FileHandle.standardError.write(Data("bench nn: \(line)\n".utf8)) }
    }

    /// Median seconds of `runs` calls after one warm-up call.
    private func time(_ body: () throws -> Void) rethrows -> Double {
        try body()
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = clock.now
            try body()
            samples.append((clock.now - start).seconds)
        }
        return samples.sorted()[samples.count / 2]
    }

    private func peakRate() -> Double {
        let side = 1024
        let a = [Float](repeating: 0.01, count: side * side)
        let b = a
        var c = a
        let seconds = time { MatrixProduct.multiply(m: side, n: side, k: side, a: a, b: b, into: &c) }
        return 2 * Double(side * side * side) / seconds / 1e9
    }

    private func measure(_ c: ConvolutionCase) throws -> LayerRow {
        var random = SplitMix(state: 11)
        let x = try Tensor(
            shape: [c.batch, c.shape.inputChannels, c.size, c.size],
            values: (0..<(c.batch * c.shape.inputChannels * c.size * c.size)).map { _ in random.next() })
        let weightShape = c.transposed ? TransposedConvolution.weightShape(c.shape) : c.shape.weightShape
        let w = try Tensor(shape: weightShape, values: (0..<weightShape.reduce(1, *)).map { _ in random.next() * 0.05 })
        let g = c.gemm
        let a = [Float](repeating: 0.01, count: g.m * g.k)
        let b = [Float](repeating: 0.02, count: g.k * g.n)
        var out = [Float](repeating: 0, count: g.m * g.n)
        let sgemm = time { MatrixProduct.multiply(m: g.m, n: g.n, k: g.k, a: a, b: b, into: &out) }
        let seconds = try time {
            _ =
                c.transposed
                ? try TransposedConvolution.forward(x, weight: w, bias: nil, shape: c.shape)
                : try Convolution.forward(x, weight: w, bias: nil, shape: c.shape)
        }
        let flops = 2 * Double(g.m * g.n * g.k)
        progress("\(c.name): \(String(format: "%.2f", seconds * 1000)) ms")
        return LayerRow(
            layer: c.name, megaFlops: flops / 1e6, milliseconds: seconds * 1000, gflops: flops / seconds / 1e9,
            sgemmGflops: flops / sgemm / 1e9, ratio: sgemm / seconds)
    }

    private func measureUnet(filters ngf: Int, torch: PyTorchReference.Times?) throws -> NetworkRow {
        var net = Pix2Pix.unet(inputChannels: 3, outputChannels: 3, downs: 8, filters: ngf, dropout: true, seed: 5)
        var random = SplitMix(state: 3)
        let x = try Tensor(shape: [1, 3, 256, 256], values: (0..<(3 * 256 * 256)).map { _ in random.next() })
        net.training = false
        let forward = try time { _ = try net.forward(x) }
        net.training = true
        let both = try time {
            net.zeroGradients()
            let y = try net.forward(x)
            _ = try net.backward(y)
        }
        var adam = Adam(learningRate: 2e-4, beta1: 0.5)  // pix2pix's settings
        let step = try time { try adam.update(&net) }
        return NetworkRow(
            filters: ngf, gigaMacs: Self.unetMacs(filters: ngf) / 1e9, forwardMs: forward * 1000,
            forwardBackwardMs: both * 1000,
            adamMs: step * 1000,
            pytorchForwardMs: torch?.forwardMs, pytorchForwardBackwardMs: torch?.forwardBackwardMs,
            pytorchAdamMs: torch?.adamMs)
    }

    /// Multiply–adds of unet_256's convolutions for one 256² input (5.95 G at ngf 64).
    static func unetMacs(filters ngf: Int) -> Double {
        // (in, out, output side) of each down convolution, and of the up convolutions' inputs.
        let widths = [3, ngf, 2 * ngf, 4 * ngf, 8 * ngf, 8 * ngf, 8 * ngf, 8 * ngf, 8 * ngf]
        var macs = 0.0
        for level in 0..<8 {
            let side = Double(256 >> (level + 1))
            macs += Double(widths[level] * widths[level + 1] * 16) * side * side  // down: 4×4, stride 2
            let upIn = level == 7 ? widths[8] : 2 * widths[level + 1]
            let upOut = level == 0 ? 3 : widths[level]
            macs += Double(upIn * upOut * 16) * side * side  // up: each input texel × 16 taps
        }
        return macs
    }

    private func printTable(_ r: Report) {
        print(
            "neural engine, \(r.cores) cores, median of \(r.runs) runs; sgemm 1024³: \(String(format: "%.1f", r.sgemmPeakGflops)) GFLOP/s"
        )
        print("layer                                   MFLOP      ms   GFLOP/s  sgemm GFLOP/s  conv/sgemm")
        for l in r.layers {
            print(
                l.layer.padding(toLength: 38, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.0f %7.2f %9.1f %14.1f %10.0f %%", l.megaFlops, l.milliseconds, l.gflops,
                        l.sgemmGflops, 100 * l.ratio))
        }
        print("\npix2pix unet_256, one 3×256×256 input" + (r.pytorch.map { ", PyTorch \($0) in the same run" } ?? ""))
        print("ngf   GMAC   forward ms   fwd+bwd ms   Adam ms   PyTorch fwd ms   PyTorch fwd+bwd ms   PyTorch Adam ms")
        for n in r.networks {
            let torch =
                n.pytorchForwardMs.map {
                    String(
                        format: "%14.1f   %18.1f   %15.1f", $0, n.pytorchForwardBackwardMs ?? .nan,
                        n.pytorchAdamMs ?? .nan)
                }
                ?? "             —                    —                 —"
            print(
                String(
                    format: "%-5d %5.2f %12.1f %12.1f %9.1f   ", n.filters, n.gigaMacs, n.forwardMs,
                    n.forwardBackwardMs, n.adamMs) + torch)
        }
    }
}

/// One convolution layer to time: pix2pix's and a plain VGG-style 3×3 stack's shapes, and a late
/// layer of a small classifier trained in batches.
struct ConvolutionCase {
    let name: String
    let shape: ConvolutionShape
    let size: Int
    let transposed: Bool
    var batch = 1

    static let all: [ConvolutionCase] = [
        .init(
            name: "3×3 conv 64→64 at 128²",
            shape: ConvolutionShape(inputChannels: 64, outputChannels: 64, kernel: 3, padding: 1), size: 128,
            transposed: false),
        .init(
            name: "3×3 conv 128→128 at 64²",
            shape: ConvolutionShape(inputChannels: 128, outputChannels: 128, kernel: 3, padding: 1), size: 64,
            transposed: false),
        .init(
            name: "3×3 conv 256→256 at 32²",
            shape: ConvolutionShape(inputChannels: 256, outputChannels: 256, kernel: 3, padding: 1), size: 32,
            transposed: false),
        .init(
            name: "4×4/2 conv 64→128 at 128²",
            shape: ConvolutionShape(inputChannels: 64, outputChannels: 128, kernel: 4, stride: 2, padding: 1),
            size: 128, transposed: false),
        .init(
            name: "4×4/2 up-conv 256→64 at 64²",
            shape: ConvolutionShape(inputChannels: 256, outputChannels: 64, kernel: 4, stride: 2, padding: 1), size: 64,
            transposed: true),
        .init(
            name: "4×4/2 up-conv 1024→256 at 16²",
            shape: ConvolutionShape(inputChannels: 1024, outputChannels: 256, kernel: 4, stride: 2, padding: 1),
            size: 16, transposed: true),
        .init(
            name: "3×3 conv 256→256 at 6², batch 32",
            shape: ConvolutionShape(inputChannels: 256, outputChannels: 256, kernel: 3, padding: 1), size: 6,
            transposed: false, batch: 32),
    ]

    /// The one matrix product the layer amounts to (m × k times k × n), the batch side by side.
    var gemm: (m: Int, n: Int, k: Int) {
        let taps = shape.kernel.height * shape.kernel.width
        if transposed { return (shape.outputChannels * taps, batch * size * size, shape.inputChannels) }
        let out = shape.outputSize(height: size, width: size)
        return (shape.outputChannels, batch * out.height * out.width, shape.inputChannels * taps)
    }
}

/// A deterministic float source in [−1, 1) for benchmark inputs.
struct SplitMix {
    var state: UInt64
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
    }
}

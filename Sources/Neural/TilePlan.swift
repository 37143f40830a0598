/// How one layer's patch matrix is cut and shared out. The columns are the output positions of
/// `samples` samples side by side (a batch shares one product per tile, so small late layers of a
/// batch still make wide products); tiles of `width` columns are taken in turn by `lanes` cores.
/// Products run single-threaded inside lanes; with one lane a product may split its own rows
/// over the two cores instead.
struct TilePlan {
    let patches: Patches
    let samples: Int
    let width: Int
    let lanes: Int

    /// `otherDimension` is the product's remaining side (output channels per group for a
    /// convolution, input channels for a transposed one): it sets the work, so the lane count.
    init(_ patches: Patches, samples: Int, otherDimension: Int) {
        self.patches = patches
        self.samples = samples
        let total = samples * patches.positions
        width = Lanes.tileWidth(rows: patches.rows, positions: total)
        lanes = Lanes.lanes(macs: otherDimension * patches.rows * total, positions: total, width: width)
    }

    var rows: Int { patches.rows }
    /// Output positions per sample.
    var positions: Int { patches.positions }
    /// Whether a product may use both cores itself (only when the lanes do not).
    var parallelProducts: Bool { lanes == 1 }
    /// Floats in one tile of patches.
    var tileFloats: Int { rows * width }

    func tiles(lane: Int) -> [Range<Int>] { Lanes.tiles(samples * positions, width: width, lane: lane, of: lanes) }

    /// The parts of a tile in each sample: the sample, its positions, their first column in the tile.
    func segments(_ tile: Range<Int>) -> [(sample: Int, range: Range<Int>, column: Int)] {
        var parts: [(Int, Range<Int>, Int)] = []
        var q = tile.lowerBound
        while q < tile.upperBound {
            let b = q / positions
            let end = min(tile.upperBound, (b + 1) * positions)
            parts.append((b, (q - b * positions)..<(end - b * positions), q - tile.lowerBound))
            q = end
        }
        return parts
    }

    /// The tile's patches as (pointer, row stride): the image itself for a 1 × 1 kernel within
    /// one sample, else gathered, sample by sample, into `scratch`.
    func patchBlock(_ image: (Int) -> UnsafePointer<Float>, tile: Range<Int>, scratch: UnsafeMutablePointer<Float>) -> (
        UnsafePointer<Float>, Int
    ) {
        let parts = segments(tile)
        if patches.isImage && parts.count == 1 {
            return (image(parts[0].sample) + parts[0].range.lowerBound, positions)
        }
        for part in parts {
            patches.gather(image(part.sample), tile: part.range, into: scratch + part.column, rowStride: tile.count)
        }
        return (UnsafePointer(scratch), tile.count)
    }

    /// The tile's columns of a per-sample `rows` × positions matrix as (pointer, row stride): in
    /// place within one sample, else copied into `scratch` (rows × tile.count).
    func columns(
        _ rows: Int, of matrix: (Int) -> UnsafePointer<Float>, tile: Range<Int>, scratch: UnsafeMutablePointer<Float>
    )
        -> (UnsafePointer<Float>, Int)
    {
        let parts = segments(tile)
        if parts.count == 1 { return (matrix(parts[0].sample) + parts[0].range.lowerBound, positions) }
        for part in parts {
            let source = matrix(part.sample) + part.range.lowerBound
            for r in 0..<rows {
                (scratch + r * tile.count + part.column).update(from: source + r * positions, count: part.range.count)
            }
        }
        return (UnsafePointer(scratch), tile.count)
    }

    /// Where a product writes the tile's columns of a per-sample `rows` × positions matrix, as
    /// (pointer, row stride), and how to finish: in place within one sample; else into `scratch`,
    /// which `finish` then copies out to each sample.
    func output(
        _ rows: Int, of matrix: @escaping (Int) -> UnsafeMutablePointer<Float>, tile: Range<Int>,
        scratch: UnsafeMutablePointer<Float>
    ) -> (pointer: UnsafeMutablePointer<Float>, stride: Int, finish: () -> Void) {
        let parts = segments(tile)
        if parts.count == 1 { return (matrix(parts[0].sample) + parts[0].range.lowerBound, positions, {}) }
        return (
            scratch, tile.count,
            {
                for part in parts {
                    let target = matrix(part.sample) + part.range.lowerBound
                    for r in 0..<rows {
                        (target + r * positions).update(
                            from: scratch + r * tile.count + part.column, count: part.range.count)
                    }
                }
            }
        )
    }

    /// Adds a tile's patch-matrix gradient (rows × tile.count) onto each sample's image gradient.
    func scatterAdd(_ block: UnsafePointer<Float>, tile: Range<Int>, into image: (Int) -> UnsafeMutablePointer<Float>) {
        for part in segments(tile) {
            patches.scatterAdd(block + part.column, rowStride: tile.count, tile: part.range, into: image(part.sample))
        }
    }
}

/// Samples handled together: all of them when the groups' slices of a batch are one contiguous
/// block (one group), else one at a time (so lane-private sums stay contiguous).
func sampleChunks(_ n: Int, groups: Int) -> [Range<Int>] {
    groups == 1 ? [0..<n] : (0..<n).map { $0..<($0 + 1) }
}

extension Tensor {
    /// Runs body with the base addresses of `read` (not to be written) and of `written`, all
    /// valid for the call: the raw access the tiled layers need, in one place.
    static func withPointers(
        _ read: [Tensor], _ written: inout Tensor,
        _ body: ([UnsafePointer<Float>], UnsafeMutablePointer<Float>) -> Void
    ) {
        reading(read[...], []) { inputs in
            written.values.withUnsafeMutableBufferPointer { body(inputs, $0.baseAddress ?? placeholder) }
        }
    }

    /// As above with two written tensors.
    static func withPointers(
        _ read: [Tensor], _ first: inout Tensor, _ second: inout Tensor,
        _ body: ([UnsafePointer<Float>], UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    ) {
        reading(read[...], []) { inputs in
            first.values.withUnsafeMutableBufferPointer { a in
                second.values.withUnsafeMutableBufferPointer { b in
                    body(inputs, a.baseAddress ?? placeholder, b.baseAddress ?? placeholder)
                }
            }
        }
    }

    private static func reading(
        _ tensors: ArraySlice<Tensor>, _ collected: [UnsafePointer<Float>], _ body: ([UnsafePointer<Float>]) -> Void
    ) {
        guard let first = tensors.first else { return body(collected) }
        first.values.withUnsafeBufferPointer {
            reading(tensors.dropFirst(), collected + [$0.baseAddress ?? UnsafePointer(placeholder)], body)
        }
    }

    /// Stands in for an empty tensor's storage (never dereferenced: its loops run zero times).
    nonisolated(unsafe) private static let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)
}

/// How one layer's patch matrix is cut and shared out: tiles of `width` output positions, taken
/// in turn by `lanes` cores. Products run single-threaded inside lanes; with one lane a product
/// may split its own rows over the two cores instead.
struct TilePlan {
    let patches: Patches
    let width: Int
    let lanes: Int

    /// `otherDimension` is the product's remaining side (output channels per group for a
    /// convolution, input channels for a transposed one): it sets the work, so the lane count.
    init(_ patches: Patches, otherDimension: Int) {
        self.patches = patches
        width = Lanes.tileWidth(rows: patches.rows, positions: patches.positions)
        lanes = Lanes.lanes(macs: otherDimension * patches.rows * patches.positions, positions: patches.positions, width: width)
    }

    var rows: Int { patches.rows }
    var positions: Int { patches.positions }
    /// Whether a product may use both cores itself (only when the lanes do not).
    var parallelProducts: Bool { lanes == 1 }
    /// Floats in one tile of patches.
    var tileFloats: Int { rows * width }

    func tiles(lane: Int) -> [Range<Int>] { Lanes.tiles(positions, width: width, lane: lane, of: lanes) }
}

extension Tensor {
    /// Runs body with the base addresses of `read` (not to be written) and of `written`, all
    /// valid for the call: the raw access the tiled layers need, in one place.
    static func withPointers(_ read: [Tensor], _ written: inout Tensor,
                             _ body: ([UnsafePointer<Float>], UnsafeMutablePointer<Float>) -> Void) {
        reading(read[...], []) { inputs in written.values.withUnsafeMutableBufferPointer { body(inputs, $0.baseAddress ?? placeholder) } }
    }

    /// As above with two written tensors.
    static func withPointers(_ read: [Tensor], _ first: inout Tensor, _ second: inout Tensor,
                             _ body: ([UnsafePointer<Float>], UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        reading(read[...], []) { inputs in
            first.values.withUnsafeMutableBufferPointer { a in
                second.values.withUnsafeMutableBufferPointer { b in body(inputs, a.baseAddress ?? placeholder, b.baseAddress ?? placeholder) }
            }
        }
    }

    private static func reading(_ tensors: ArraySlice<Tensor>, _ collected: [UnsafePointer<Float>], _ body: ([UnsafePointer<Float>]) -> Void) {
        guard let first = tensors.first else { return body(collected) }
        first.values.withUnsafeBufferPointer { reading(tensors.dropFirst(), collected + [$0.baseAddress ?? UnsafePointer(placeholder)], body) }
    }

    /// Stands in for an empty tensor's storage (never dereferenced: its loops run zero times).
    nonisolated(unsafe) private static let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)
}

import Foundation

/// Scratch memory for the layers, one per thread and reused across calls: patch tiles and
/// per-lane partial gradients. Reuse matters: a fresh 40 MB im2col buffer per call is mapped,
/// zero-filled and page-faulted by the kernel every time, which cost as much as the product
/// itself on a 64-channel 128² layer.
final class Workspace: @unchecked Sendable {
    private var slots: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []

    deinit { for slot in slots { slot.pointer.deallocate() } }

    /// At least `count` floats in slot `index` (contents undefined); valid until the next call
    /// for the same slot on this thread.
    func buffer(_ index: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while slots.count <= index { slots.append((UnsafeMutablePointer<Float>.allocate(capacity: 1), 1)) }
        if slots[index].capacity < count {
            slots[index].pointer.deallocate()
            slots[index] = (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
        }
        return slots[index].pointer
    }

    private static let key = "facedetail.neural.workspace"

    /// This thread's workspace.
    static var current: Workspace {
        let dictionary = Thread.current.threadDictionary
        if let workspace = dictionary[key] as? Workspace { return workspace }
        let workspace = Workspace()
        dictionary[key] = workspace
        return workspace
    }
}

/// Work split over the machine's two cores: lane k takes every lanes-th tile starting at k.
enum Lanes {
    static let count = 2

    /// Tile width (output positions per patch block): about 2 MB of patches, a multiple of 64,
    /// at least 128 so the product stays efficient.
    static func tileWidth(rows: Int, positions: Int) -> Int {
        let target = max(128, ((1 << 19) / max(1, rows)) & ~63)
        return min(positions, target)
    }

    /// The tiles of 0..<positions that lane `lane` of `lanes` handles.
    static func tiles(_ positions: Int, width: Int, lane: Int, of lanes: Int) -> [Range<Int>] {
        stride(from: lane * width, to: positions, by: lanes * width).map { $0..<min(positions, $0 + width) }
    }

    /// Runs body(lane) on `lanes` threads (inline when 1). The lanes share raw memory by
    /// construction (disjoint tiles, private accumulators), which the compiler cannot see.
    static func run(_ lanes: Int, _ body: (Int) -> Void) {
        guard lanes > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: lanes) { shared.value($0) }
        }
    }

    /// Two lanes when the product is big enough to pay for a thread hand-off.
    static func lanes(macs: Int, positions: Int, width: Int) -> Int {
        macs >= Matrix.splitThreshold && positions > width ? count : 1
    }
}

extension Lanes {
    /// Runs body(lane, accumulators) where lane 0's accumulators are `targets` themselves and
    /// every other lane's are zeroed buffers of the calling thread's workspace (slots from
    /// `firstSlot`; lane bodies must use lower slots), then
    /// adds those into the targets: sums that lanes build from overlapping writes (col2im) or
    /// over their own tiles (weight gradients), without locks.
    static func accumulate(
        into targets: [(pointer: UnsafeMutablePointer<Float>, count: Int)], lanes: Int, firstSlot: Int,
        _ body: (_ lane: Int, _ accumulators: [UnsafeMutablePointer<Float>]) -> Void
    ) {
        guard lanes > 1 else { return body(0, targets.map(\.pointer)) }
        // The other lanes' accumulators live in the calling thread's workspace, which does the
        // reduction below: a worker thread's own workspace is free for other work (another
        // network on the same pool) the moment its lane returns, before the caller has read it.
        let owner = Workspace.current
        let table = PointerTable(capacity: lanes * targets.count)
        defer { table.base.deallocate() }
        for lane in 0..<lanes {
            for (k, target) in targets.enumerated() {
                table.base[lane * targets.count + k] =
                    lane == 0
                    ? target.pointer : owner.buffer(firstSlot + (lane - 1) * targets.count + k, count: target.count)
            }
        }
        let counts = targets.map(\.count)
        run(lanes) { lane in
            let mine = counts.indices.map { table.base[lane * counts.count + $0] }
            if lane > 0 { for k in mine.indices { mine[k].update(repeating: 0, count: counts[k]) } }
            body(lane, mine)
        }
        for lane in 1..<lanes {
            for (k, target) in targets.enumerated() {
                let source = table.base[lane * targets.count + k]
                for i in 0..<target.count { target.pointer[i] += source[i] }
            }
        }
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}

/// The per-lane pointer table of `accumulate` (each lane writes its own entries).
struct PointerTable: @unchecked Sendable {
    let base: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    init(capacity: Int) { base = .allocate(capacity: capacity) }
}

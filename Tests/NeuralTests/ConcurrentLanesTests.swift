import Foundation
import Testing

@testable import Neural

/// Two-lane layers called from several threads at once, as the test suite and a batch pipeline do:
/// the second lane's partial sums must survive until the caller has added them, even when the
/// worker thread that built them goes straight on to another layer's backward pass.
@Suite struct ConcurrentLanesTests {
    @Test func concurrentBackwardPassesGiveTheSerialResultBitForBit() throws {
        let c = TiledConvolutionTests.transposed[0]
        var generator = Seeded(state: 9)
        let x = try Tensor(shape: c.input, values: TiledConvolutionTests.random(c.input.reduce(1, *), &generator))
        let weightShape = TransposedConvolution.weightShape(c.shape)
        let w = try Tensor(
            shape: weightShape, values: TiledConvolutionTests.random(weightShape.reduce(1, *), &generator))
        let y = try TransposedConvolution.forward(x, weight: w, bias: nil, shape: c.shape)
        let r = try Tensor(shape: y.shape, values: TiledConvolutionTests.random(y.count, &generator))
        let serial = try TransposedConvolution.backward(x, weight: w, outputGradient: r, shape: c.shape)
        let mismatches = Counter()
        // Plain threads, not a concurrentPerform: a nested apply runs inline, while callers on
        // threads of their own share the pool's workers, as concurrent tests and stages do.
        let done = DispatchGroup()
        for _ in 0..<4 {
            done.enter()
            Thread {
                for _ in 0..<12 {
                    let g = try? TransposedConvolution.backward(x, weight: w, outputGradient: r, shape: c.shape)
                    if g?.weight != serial.weight || g?.input != serial.input { mismatches.add() }
                }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(mismatches.value == 0, "\(mismatches.value) of 48 concurrent backward passes differed")
    }
}

/// A count shared by threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

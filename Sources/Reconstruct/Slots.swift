import Foundation

/// Results written by parallel lanes (`concurrentPerform`), each slot by one of them.
final class Slots<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
    func put(_ k: Int, _ value: Value) { lock.withLock { values[k] = value } }
    func take(_ k: Int) -> Value { lock.withLock { values[k]! } }
    /// Slot k's value, nil when no lane put one.
    func value(_ k: Int) -> Value? { lock.withLock { values[k] } }
}

/// A value computed on its own thread from the moment it is created, so that loading a model
/// overlaps reading and searching the first photo; `value` waits for it. A throwing load is a
/// `Background<Result<…, any Error>>` and rethrows where the value is used.
final class Background<Value>: @unchecked Sendable {
    private var result: Value?
    private let condition = NSCondition()

    /// Starts `body` on a new thread.
    init(_ body: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            let value = body()
            condition.withLock {
                result = value
                condition.broadcast()
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// A value already at hand.
    init(ready value: Value) { result = value }

    /// The value, once computed.
    var value: Value {
        condition.withLock {
            while result == nil { condition.wait() }
            return result!
        }
    }
}

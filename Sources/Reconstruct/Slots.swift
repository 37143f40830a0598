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

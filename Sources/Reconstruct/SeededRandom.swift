import Foundation

/// A small, fast, seedable generator (SplitMix64, Steele et al. 2014) whose sequence we own, so
/// "same seed, same face" holds across Swift versions and platforms.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal by the Box–Muller transform (one of the pair; simple and exact enough here).
    public mutating func gaussian() -> Double {
        let u = max(unit(), 0x1p-53)
        let v = unit()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * v)
    }
}

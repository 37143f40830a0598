import Foundation

/// The distribution the expression dictionary draws its faces' expressions from, over ICT's 53
/// ARKit-named blendshapes (weights in [0, 1]):
///
/// - 15 % near-neutral: no blendshape, or one at most 0.2;
/// - 45 % one of six emotion prototypes (Ekman's basic emotions as ARKit blendshapes, after
///   FACS: happy = smile + cheek and eye squint (+ a little jaw for laughter); sad = inner brow up
///   + frown + lower-lip shrug; surprise = brows up + eyes wide + jaw open; anger = brows down +
///   eye squint + lips pressed + sneer; disgust = sneer + upper lip up + brows down; fear = inner
///   brow up + eyes wide + lips stretched), each blendshape's weight drawn within its range times
///   one intensity in [0.3, 1], plus up to two other blendshapes at up to 0.3;
/// - 40 % sparse random: 1–4 blendshapes, each at U(0.1, 0.9), set on both sides for `_L`/`_R`
///   pairs 70 % of the time.
///
/// Gaze (eyeLook*) and mouthClose are never set: the fit holds them (`ProxyFitter.Options`).
public struct ExpressionSampler: Sendable {
    public let names: [String]
    /// The blendshapes the random parts draw from (all but gaze and mouthClose).
    let free: [Int]

    /// Blendshape stems (both sides when they have `_L`/`_R`) and weight ranges per prototype.
    static let prototypes: [(String, [(String, ClosedRange<Double>)])] = [
        (
            "happy",
            [("mouthSmile", 0.5...1), ("cheekSquint", 0.2...0.6), ("eyeSquint", 0...0.4), ("jawOpen", 0...0.25)]
        ),
        ("sad", [("browInnerUp", 0.4...0.9), ("mouthFrown", 0.3...0.8), ("mouthShrugLower", 0...0.4)]),
        (
            "surprise",
            [("browInnerUp", 0.5...1), ("browOuterUp", 0.5...1), ("eyeWide", 0.3...0.9), ("jawOpen", 0.2...0.7)]
        ),
        (
            "angry",
            [("browDown", 0.5...1), ("eyeSquint", 0.2...0.6), ("mouthPress", 0.2...0.6), ("noseSneer", 0...0.5)]
        ),
        (
            "disgust",
            [("noseSneer", 0.4...1), ("mouthUpperUp", 0.3...0.8), ("browDown", 0.2...0.5), ("mouthFrown", 0...0.4)]
        ),
        ("fear", [("browInnerUp", 0.5...1), ("eyeWide", 0.4...1), ("mouthStretch", 0.3...0.8), ("jawOpen", 0...0.3)]),
    ]

    public init(names: [String]) {
        self.names = names
        free = names.indices.filter { !names[$0].hasPrefix("eyeLook") && names[$0] != "mouthClose" }
    }

    /// One expression.
    public func sample(_ random: inout SeededRandom) -> [Double] {
        var beta = [Double](repeating: 0, count: names.count)
        func set(_ stem: String, _ w: Double) {
            for name in [stem, stem + "_L", stem + "_R"] {
                if let k = names.firstIndex(of: name) { beta[k] = min(max(w, 0), 1) }
            }
        }
        func pick() -> Int { free[min(Int(random.unit() * Double(free.count)), free.count - 1)] }
        let kind = random.unit()
        if kind < 0.15 {
            if random.unit() < 0.5 { beta[pick()] = 0.2 * random.unit() }
        } else if kind < 0.60 {
            let prototype = Self.prototypes[min(Int(random.unit() * 6), 5)].1
            let intensity = 0.3 + 0.7 * random.unit()
            for (stem, range) in prototype {
                set(stem, intensity * (range.lowerBound + (range.upperBound - range.lowerBound) * random.unit()))
            }
            for _ in 0..<Int(random.unit() * 3) { beta[pick()] = 0.3 * random.unit() }
        } else {
            for _ in 0..<(1 + Int(random.unit() * 4)) {
                let k = pick()
                let w = 0.1 + 0.8 * random.unit()
                let name = names[k]
                if (name.hasSuffix("_L") || name.hasSuffix("_R")) && random.unit() < 0.7 {
                    set(String(name.dropLast(2)), w)
                } else {
                    beta[k] = w
                }
            }
        }
        return beta
    }
}

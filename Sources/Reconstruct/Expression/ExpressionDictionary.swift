import Foundation

/// The paper's dictionary of rendered random expressions (Chen et al. 2019, §3.1): per entry the
/// blendshape weights β it was rendered with and its `ExpressionFeatures`. A photo's β_prior is
/// the mean β of its nearest entries (`nearest`). Built by `ExpressionDictionaryBuilder`, stored
/// as one versioned file (`write`, `load`; docs/expression-prior.md gives the layout).
public struct ExpressionDictionary: Sendable {
    /// What the file records besides the arrays; every field decides the entries.
    public struct Header: Codable, Sendable, Equatable {
        public var format = "facedetail expression dictionary"
        public var version = ExpressionDictionary.version
        public var count: Int
        public var seed: UInt64
        public var expressionNames: [String]
        public var emotionFeatures: Int
        public var geometryFeatures: Int
        /// The rendering model's source and region, and the emotion model file's SHA-256.
        public var model: String
        public var emotionModelSHA256: String
        /// The reference landmark layout (x, y per `ExpressionFeatures.landmarkIndices`, unit IOD).
        public var reference: [Double]
    }

    public static let version = 1
    static let magic = Array("FDXD".utf8)

    public let header: Header
    /// count × expressionNames.count, entry-major.
    public let expressions: [Float]
    /// count × emotionFeatures and count × geometryFeatures.
    public let emotion: [Float]
    public let geometry: [Float]
    /// Per feature, its standard deviation over the entries (distances are in these units).
    let emotionScale: [Float]
    let geometryScale: [Float]

    public var count: Int { header.count }
    public var reference: [SIMD2<Double>] {
        stride(from: 0, to: header.reference.count, by: 2).map { SIMD2(header.reference[$0], header.reference[$0 + 1]) }
    }

    public init(header: Header, expressions: [Float], emotion: [Float], geometry: [Float]) throws {
        let n = header.count
        guard n > 0, expressions.count == n * header.expressionNames.count, emotion.count == n * header.emotionFeatures,
            geometry.count == n * header.geometryFeatures,
            header.reference.count == 2 * ExpressionFeatures.landmarkIndices.count
        else {
            throw ReconstructError(.damagedModel, "expression dictionary arrays do not match its header")
        }
        self.header = header
        self.expressions = expressions
        self.emotion = emotion
        self.geometry = geometry
        emotionScale = Self.deviations(emotion, width: header.emotionFeatures)
        geometryScale = Self.deviations(geometry, width: header.geometryFeatures)
    }

    static func deviations(_ values: [Float], width: Int) -> [Float] {
        let n = values.count / max(width, 1)
        return (0..<width).map { j in
            var (sum, squares) = (0.0, 0.0)
            for i in 0..<n {
                let v = Double(values[i * width + j])
                sum += v
                squares += v * v
            }
            let mean = sum / Double(max(n, 1))
            return Float(max((squares / Double(max(n, 1)) - mean * mean).squareRoot(), 1e-6))
        }
    }

    /// Blendshape weights of entry `i`.
    public func expression(_ i: Int) -> [Double] {
        let e = header.expressionNames.count
        return expressions[(i * e)..<((i + 1) * e)].map(Double.init)
    }

    /// How features are compared: each block's mean squared difference in units of its standard
    /// deviation over the dictionary, weighted `emotionWeight` : 1 − `emotionWeight`.
    public struct Query: Sendable, Codable, Equatable {
        /// Entries averaged into β_prior. The paper takes 1; on `bench fit --images` (100 faces) 9
        /// gave the prior's own β a correlation of 0.36 with the truth against 0.26 for 1, and
        /// the fit with it the lowest β RMSE (docs/expression-prior.md).
        public var neighbours = 9
        /// Share of the emotion features in the distance (the landmark features have the rest):
        /// of 0, 0.25, 0.5, 0.75 and 1, 0.5 gave the fit the lowest β RMSE on `bench fit --images`.
        public var emotionWeight = 0.5
        /// How the neighbours' weights combine into β_prior: their mean (the median keeps only what
        /// most of them share, and the astronaut's 4 smiling neighbours of 9 then give no smile).
        public var combine = Combination.mean
        public enum Combination: String, Sendable, Codable, CaseIterable { case mean, median }
        public init() {}
    }

    /// The `k` nearest entries to `features`, nearest first (ties by index), with their distances.
    public func nearest(_ features: ExpressionFeatures, query: Query = Query()) -> [(index: Int, distance: Double)] {
        let (ne, ng) = (header.emotionFeatures, header.geometryFeatures)
        let we = Float(query.emotionWeight) / Float(max(ne, 1))
        let wg = Float(1 - query.emotionWeight) / Float(max(ng, 1))
        let qe = (0..<ne).map { features.emotion[$0] / emotionScale[$0] }
        let qg = (0..<ng).map { features.geometry[$0] / geometryScale[$0] }
        var best: [(index: Int, distance: Double)] = []
        let k = max(query.neighbours, 1)
        emotion.withUnsafeBufferPointer { e in
            geometry.withUnsafeBufferPointer { g in
                for i in 0..<count {
                    var de: Float = 0
                    for j in 0..<ne {
                        let d = qe[j] - e[i * ne + j] / emotionScale[j]
                        de += d * d
                    }
                    var dg: Float = 0
                    for j in 0..<ng {
                        let d = qg[j] - g[i * ng + j] / geometryScale[j]
                        dg += d * d
                    }
                    let distance = Double(we * de + wg * dg)
                    if best.count < k || distance < best[best.count - 1].distance {
                        let at = best.firstIndex { distance < $0.distance } ?? best.count
                        best.insert((i, distance), at: at)
                        if best.count > k { best.removeLast() }
                    }
                }
            }
        }
        return best
    }

    /// β_prior for `features`: the nearest entries' β, per blendshape their mean (or median).
    public func prior(for features: ExpressionFeatures, query: Query = Query()) -> ExpressionPriorMatch {
        let found = nearest(features, query: query)
        let rows = found.map { expression($0.index) }
        let beta = (0..<header.expressionNames.count).map { j -> Double in
            let values = rows.map { $0[j] }.sorted()
            let n = values.count
            guard query.combine == .median else { return values.reduce(0, +) / Double(max(n, 1)) }
            return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
        }
        return ExpressionPriorMatch(beta: beta, entries: found.map(\.index), distances: found.map(\.distance))
    }
}

/// The dictionary's answer for one face: β_prior and the entries it came from.
public struct ExpressionPriorMatch: Codable, Sendable, Equatable {
    /// Blendshape weights in [0, 1], the model's order.
    public let beta: [Double]
    /// Entry indices, nearest first, and their distances (mean squared standardised difference).
    public let entries: [Int]
    public let distances: [Double]
}

import Foundation

/// The mesh data contour derivation needs: mean positions (xyz interleaved, mm) and polygons.
struct FaceTopology {
    var positions: [Float]
    var polygonSizes: [UInt8]
    var polygonVertices: [UInt32]
    /// Vertices [0, faceVertexCount) are the face skin; the contour is looked for there only.
    var faceVertexCount: Int

    func xy(_ v: Int) -> SIMD2<Double> { SIMD2(Double(positions[3 * v]), Double(positions[3 * v + 1])) }
}

/// Jaw-contour candidates: the vertices that can lie on the face's outline in a photo, per side.
///
/// The 2D jaw landmarks (0–7 and 9–16) mark the visible outline of the cheek and jaw, which is not a
/// fixed set of vertices: when the head turns, the outline on the far side moves forward onto the
/// cheek and on the near side back toward the ear. The fitter therefore re-chooses, each iteration,
/// which candidate vertex each contour landmark corresponds to (the nearest projected candidate on
/// the current silhouette). This type derives the candidate sets once, from the mean shape and the
/// mesh topology, seen from the front (x to the subject's left, y up):
///
/// 1. Angles are measured about the nose tip (landmark 30) from straight down; the subject's right
///    jaw landmarks 0–7 span one angular sector, the left ones 9–16 the other. The chin (8) stays
///    a fixed correspondence and belongs to neither.
/// 2. Within a side's sector, the jaw landmarks give the jaw line's radius r(φ) (piecewise linear).
///    A face-skin vertex at angle φ and radius r is a candidate when r ≥ 0.7 · r(φ): the outer band
///    of the face out to the boundary of the face skin. Seen from the front, the outline of a head
///    turned by θ lies near cos θ of the half-width on the far side, so 0.7 covers yaw up to about
///    ±45° while leaving out the mouth corners (≈ 0.65) and everything further in.
/// 3. Only candidates connected by mesh edges, through other candidates, to that side's jaw
///    landmark vertices are kept, so islands (an ear rim, a nostril) never enter.
///
/// Each side is listed by angle, top to chin, then by vertex index.
enum ContourCandidates {
    static let innerFraction = 0.7
    static let method =
        "face-skin vertices in each jaw sector (landmarks 0–7, 9–16) about the nose tip with radius ≥ 0.7 × the jaw-landmark line's, connected by mesh edges to that side's jaw landmarks"

    static func derive(topology t: FaceTopology, landmarks: [Int]) -> (right: [Int], left: [Int]) {
        let centre = t.xy(landmarks[Landmarks68.noseTip])
        func polar(_ v: Int) -> (phi: Double, r: Double) {
            let d = t.xy(v) - centre
            return (atan2(d.x, -d.y), (d * d).sum().squareRoot())
        }
        // Edges of the face skin, as adjacency lists.
        var neighbours = [[Int]](repeating: [], count: t.faceVertexCount)
        var corner = 0
        for size in t.polygonSizes {
            let n = Int(size)
            for k in 0..<n {
                let a = Int(t.polygonVertices[corner + k])
                let b = Int(t.polygonVertices[corner + (k + 1) % n])
                if a < t.faceVertexCount && b < t.faceVertexCount {
                    neighbours[a].append(b)
                    neighbours[b].append(a)
                }
            }
            corner += n
        }
        func side(_ jaw: [Int]) -> [Int] {
            let line = jaw.map { polar(landmarks[$0]) }.sorted { $0.phi < $1.phi }
            let (lo, hi) = (line.first!.phi, line.last!.phi)
            func jawRadius(_ phi: Double) -> Double {
                for k in 1..<line.count where phi <= line[k].phi {
                    let a = line[k - 1]
                    let b = line[k]
                    let w = b.phi > a.phi ? (phi - a.phi) / (b.phi - a.phi) : 0
                    return a.r + w * (b.r - a.r)
                }
                return line.last!.r
            }
            var isCandidate = [Bool](repeating: false, count: t.faceVertexCount)
            for v in 0..<t.faceVertexCount {
                let p = polar(v)
                isCandidate[v] = p.phi >= lo && p.phi <= hi && p.r >= innerFraction * jawRadius(p.phi)
            }
            var reached = [Bool](repeating: false, count: t.faceVertexCount)
            var queue = jaw.map { landmarks[$0] }.filter { isCandidate[$0] }
            for v in queue { reached[v] = true }
            while let v = queue.popLast() {
                for n in neighbours[v] where isCandidate[n] && !reached[n] {
                    reached[n] = true
                    queue.append(n)
                }
            }
            return (0..<t.faceVertexCount).filter { reached[$0] }
                .map { ($0, polar($0).phi) }
                .sorted { abs($0.1) != abs($1.1) ? abs($0.1) > abs($1.1) : $0.0 < $1.0 }
                .map(\.0)
        }
        return (side(Array(0...7)), side(Array(9...16)))
    }
}

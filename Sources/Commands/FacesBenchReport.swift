import Foundation
import Reconstruct

/// `bench faces`' results: per image and detector, the reference faces found and their landmark
/// error; per augmentation family, the rates; and the speed rows against dlib's forward pass.
struct FacesBenchReport: Encodable {
    /// NME is averaged over faces at least this large (inter-ocular px), as the issue asks.
    static let nmeMinimumInterocular = 24.0

    struct DetectorResult: Encodable {
        let outcomes: [FaceBenchmark.Outcome]
        /// Detection passes, framing and landmarks of every face (`--all-faces`).
        let searchSeconds: Double
        let facesFound: Int
    }

    struct ImageRow: Encodable {
        let file: String
        let augmentation: String
        let family: String
        let megapixels: Double
        var detectors: [String: DetectorResult] = [:]

        init(image: FaceBenchmark.SetImage) {
            file = image.file
            augmentation = image.augmentation
            family = image.family
            megapixels = Double(image.width * image.height) / 1e6
        }

        mutating func add(_ name: String, outcomes: [FaceBenchmark.Outcome], seconds: Double, found: Int) {
            detectors[name] = DetectorResult(outcomes: outcomes, searchSeconds: seconds, facesFound: found)
        }

        var line: String {
            ["cnn", "hog"].compactMap { name in
                detectors[name].map { r in
                    let hit = r.outcomes.filter(\.detected).count
                    return "\(name) \(hit)/\(r.outcomes.count) in \(String(format: "%.2f", r.searchSeconds)) s"
                }
            }.joined(separator: ", ")
        }
    }

    struct SpeedRow: Encodable {
        let image: String
        let megapixels: Double
        let networkSeconds: [Double]
        /// The default search: detection passes, framing and landmarks of the largest face.
        let searchSeconds: [Double]
        let dlibSeconds: Double
        /// Our network per step (median, ms): the canvas, then each convolution input side first.
        let stageMilliseconds: [Double]

        var line: String {
            String(
                format: "%.2f MP: network %.0f ms, face search %.0f ms, dlib %.0f ms (%.1f×)", megapixels,
                median(networkSeconds) * 1000, median(searchSeconds) * 1000, dlibSeconds * 1000,
                dlibSeconds / median(networkSeconds))
        }
    }

    struct Framing: Encodable {
        let cnnOffset: [Double]
        let cnnScale: Double
        let pointsOffset: [Double]
        let pointsScale: Double
        let samples: Int

        init(
            _ f: (cnnOffset: SIMD2<Double>, cnnScale: Double, pointsOffset: SIMD2<Double>, pointsScale: Double),
            samples: Int
        ) {
            cnnOffset = [f.cnnOffset.x, f.cnnOffset.y]
            cnnScale = f.cnnScale
            pointsOffset = [f.pointsOffset.x, f.pointsOffset.y]
            pointsScale = f.pointsScale
            self.samples = samples
        }
    }

    let rows: [ImageRow]
    let speed: [SpeedRow]
    let framing: Framing?

    /// Detection rate, mean NME (faces ≥ 24 px IOD) and detection ms per MP of `detector` over `rows`.
    static func summary(_ rows: [ImageRow], _ detector: String) -> (
        rate: Double, found: Int, faces: Int, nme: Double, msPerMP: Double
    ) {
        let outcomes = rows.flatMap { $0.detectors[detector]?.outcomes ?? [] }
        let found = outcomes.filter(\.detected).count
        let errors = outcomes.filter { $0.interocular >= nmeMinimumInterocular }.compactMap(\.nme)
        let perMP = rows.compactMap { r in r.detectors[detector].map { $0.searchSeconds / r.megapixels } }
        return (
            outcomes.isEmpty ? 0 : Double(found) / Double(outcomes.count), found, outcomes.count,
            errors.isEmpty ? .nan : errors.reduce(0, +) / Double(errors.count), median(perMP) * 1000
        )
    }

    func printTable() {
        print("Face detection on \(rows.count) images (references: the un-augmented photos' HOG faces)")
        print(
            "family        images   cnn found   cnn NME   hog found   hog NME   cnn ms/MP   hog ms/MP (search, all faces)"
        )
        var families: [String] = []
        for row in rows where !families.contains(row.family) { families.append(row.family) }
        for family in families + ["all"] {
            let subset = family == "all" ? rows : rows.filter { $0.family == family }
            let c = Self.summary(subset, "cnn")
            let h = Self.summary(subset, "hog")
            print(
                String(
                    format: "%-12@ %7d   %4d/%-4d   %6.2f %%   %4d/%-4d   %6.2f %%   %9.0f   %9.0f",
                    family.padding(toLength: 12, withPad: " ", startingAt: 0) as NSString,
                    subset.count, c.found, c.faces, 100 * c.nme, h.found, h.faces, 100 * h.nme, c.msPerMP, h.msPerMP))
        }
        print("NME: mean point error over the carried inter-ocular distance, faces of at least 24 px IOD.")
        print("\nSpeed against dlib's own CPU forward pass of the same network (same image, same run):")
        for row in speed {
            print("  \(row.image) \(row.line)")
            print(
                "    canvas, then each layer (ms): "
                    + row.stageMilliseconds.map { String(format: "%.0f", $0) }.joined(separator: ", "))
        }
        if let framing {
            print(
                String(
                    format:
                        "\nFraming fit on %d faces: CNN → HOG offset (%.3f, %.3f) sides, scale %.3f; points → HOG offset (%.3f, %.3f) spans, scale %.3f",
                    framing.samples, framing.cnnOffset[0], framing.cnnOffset[1], framing.cnnScale,
                    framing.pointsOffset[0], framing.pointsOffset[1], framing.pointsScale))
        }
    }
}

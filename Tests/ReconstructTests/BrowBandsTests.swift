import Foundation
import Testing

@testable import Formats
@testable import Reconstruct

@Suite struct BrowBandsTests {
    /// A face drawn as the search sees it: eyes 100 px apart (IOD) with dark eyes, and dlib-like
    /// brow points 25 px above the upper lids; a dark brow band, when drawn, lies `bandAbove` px
    /// above those points. The picture and the points are turned by `roll` degrees about the face's
    /// centre, and the camera with them.
    static func face(band bandAbove: Double?, roll: Double = 0) -> (Landmarks68, PerspectiveCamera, GreyPyramid) {
        let centre = SIMD2(250.0, 300.0)
        // Counter-clockwise on screen (image y points down), as the camera's roll turns the face.
        let angle = -roll * .pi / 180
        func turned(_ p: SIMD2<Double>) -> SIMD2<Double> {
            let d = p - centre
            return centre + SIMD2(cos(angle) * d.x - sin(angle) * d.y, sin(angle) * d.x + cos(angle) * d.y)
        }
        var points = [SIMD2<Double>](repeating: centre + SIMD2(0, 80), count: 68)
        for (offset, k) in Landmarks68.rightEye.enumerated() { points[k] = SIMD2(185 + 6 * Double(offset), 300) }
        for (offset, k) in Landmarks68.leftEye.enumerated() { points[k] = SIMD2(285 + 6 * Double(offset), 300) }
        for k in [37, 38, 43, 44] { points[k].y = 295 }
        for k in [40, 41, 46, 47] { points[k].y = 305 }
        for (offset, k) in Landmarks68.rightBrow.enumerated() { points[k] = SIMD2(170 + 15 * Double(offset), 270) }
        for (offset, k) in Landmarks68.leftBrow.enumerated() { points[k] = SIMD2(270 + 15 * Double(offset), 270) }
        var photo = Image<UInt8>(width: 500, height: 600, channels: 3)
        for y in 0..<600 {
            for x in 0..<500 {
                // Undo the roll to find what the upright face has here.
                let d = SIMD2(Double(x) + 0.5, Double(y) + 0.5) - centre
                let p = centre + SIMD2(cos(angle) * d.x + sin(angle) * d.y, -sin(angle) * d.x + cos(angle) * d.y)
                var value: UInt8 = 200
                if abs(p.y - 300) < 6, (175...225).contains(p.x) || (275...325).contains(p.x) { value = 30 }
                if let bandAbove, abs(p.y - (270 - bandAbove)) < 4, (160...340).contains(p.x) { value = 60 }
                for c in 0..<3 { photo.pixels[(y * 500 + x) * 3 + c] = value }
            }
        }
        let camera = PerspectiveCamera(
            ScaledOrthographicCamera(yaw: 0, pitch: 0, roll: roll, scale: 1, translation: centre),
            principalPoint: centre)
        return (Landmarks68(points: points.map(turned)), camera, GreyPyramid(rgb: photo, count: 1))
    }

    /// The brow points move onto the band's centre line, upright and on a rolled face, within a
    /// pixel; every brow point is marked located; the other points stay where they were.
    @Test(arguments: [(15.0, 0.0), (15.0, 20.0), (-4.0, 0.0)])
    func browPointsMoveOntoTheBand(above: Double, roll: Double) throws {
        let (landmarks, camera, pyramid) = Self.face(band: above, roll: roll)
        let result = BrowBands().refine(landmarks, camera: camera, pyramid: pyramid)
        let up = SIMD2(-sin(roll * .pi / 180), -cos(roll * .pi / 180))
        #expect(result.located == Set(17...26))
        for k in 17...26 {
            let moved = result.landmarks[k] - landmarks[k]
            #expect(abs((moved * up).sum() - above) <= 1.0, "point \(k) moved \(moved)")
            #expect(abs(moved.x * up.y - moved.y * up.x) < 1e-6, "point \(k) moved off the up direction")
        }
        for k in Array(0...16) + Array(27...67) { #expect(result.landmarks[k] == landmarks[k]) }
    }

    /// With no brow in the picture (fair brows), the dark eyes below are not taken for one: the
    /// points stay and none is located.
    @Test func noBandLeavesThePoints() {
        let (landmarks, camera, pyramid) = Self.face(band: nil)
        let result = BrowBands().refine(landmarks, camera: camera, pyramid: pyramid)
        #expect(result.located.isEmpty)
        #expect(result.landmarks == landmarks)
    }
}

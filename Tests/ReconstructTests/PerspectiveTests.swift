import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

@Suite struct PerspectiveCameraTests {
    /// A 35 mm-equivalent lens at half a metre, turned and off-centre: the portrait case where
    /// perspective matters most.
    static func nearCamera() -> PerspectiveCamera {
        let pose = ScaledOrthographicCamera(yaw: 22, pitch: -9, roll: 4, scale: 2.4, translation: SIMD2(350, 420))
        let intrinsics = CameraIntrinsics(equivalentFocalMillimetres: 35, width: 640, height: 800)
        return PerspectiveCamera(pose, focalPixels: intrinsics.focalPixels, principalPoint: intrinsics.principalPoint)
    }

    /// κ = 0 is the scaled orthographic camera, point for point.
    @Test func zeroInverseDistanceIsTheOrthographicCamera() {
        let ortho = ScaledOrthographicCamera(yaw: -15, pitch: 8, roll: 3, scale: 1.9, translation: SIMD2(200, 310))
        let camera = PerspectiveCamera(ortho, principalPoint: SIMD2(320, 400))
        var random = SeededRandom(seed: 3)
        for _ in 0..<50 {
            let p = SIMD3(random.unit() * 160 - 80, random.unit() * 200 - 100, random.unit() * 120 - 60)
            #expect(norm(camera.project(p) - ortho.project(p)) < 1e-9)
        }
        #expect(camera.focalPixels == nil && norm(camera.directionToCamera(from: .zero) - ortho.rotation[2]) < 1e-12)
    }

    /// The analytic Jacobian matches central differences; a point moved along the direction to
    /// the camera centre stays on its pixel (the centre is where the rays meet); the 35 mm
    /// equivalence round-trips.
    @Test func jacobianRaysAndFocalLengthsAreConsistent() {
        let camera = Self.nearCamera()
        var random = SeededRandom(seed: 4)
        for _ in 0..<20 {
            let p = SIMD3(random.unit() * 160 - 80, random.unit() * 200 - 100, random.unit() * 120 - 60)
            let (jx, jy) = camera.jacobian(at: p)
            for axis in 0..<3 {
                var d = SIMD3<Double>.zero
                d[axis] = 1e-4
                let numeric = (camera.project(p + d) - camera.project(p - d)) / 2e-4
                #expect(abs(numeric.x - jx[axis]) < 1e-6 && abs(numeric.y - jy[axis]) < 1e-6)
            }
            let along = p + 150 * camera.directionToCamera(from: p)
            #expect(norm(camera.project(along) - camera.project(p)) < 1e-6)
            #expect(camera.projectWithDepth(along).z > camera.projectWithDepth(p).z)
        }
        let f = camera.focalPixels!
        #expect(abs(CameraIntrinsics.equivalentFocalMillimetres(focalPixels: f, width: 640, height: 800) - 35) < 1e-9)
        #expect(abs(camera.distanceMillimetres! - f / camera.scale) < 1e-9)
    }

    /// From the weak-perspective pose of exact pinhole correspondences, Levenberg–Marquardt at the
    /// known focal length recovers the camera.
    @Test func refinementRecoversAKnownPinholePose() throws {
        let truth = Self.nearCamera()
        var random = SeededRandom(seed: 5)
        let points = (0..<68).map { _ in
            SIMD3(random.unit() * 140 - 70, random.unit() * 180 - 90, random.unit() * 90 - 20)
        }
        let pixels = points.map(truth.project)
        let affine = try #require(estimateAffineCamera(points: points, pixels: pixels))
        let start = PerspectiveCamera(
            affine.scaledOrthographic(), focalPixels: truth.focalPixels, principalPoint: truth.principalPoint)
        let startError = zip(points, pixels).map { norm(start.project($0) - $1) }.max()!
        let refined = start.refined(points: points, pixels: pixels, iterations: 20)
        let error = zip(points, pixels).map { norm(refined.project($0) - $1) }.max()!
        #expect(startError > 1, "the orthographic start is \(startError) px off")
        #expect(error < 1e-3, "refined camera \(error) px off")
        for k in 0..<3 { #expect(norm(refined.rotation[k] - truth.rotation[k]) < 1e-5) }
        #expect(abs(refined.distanceMillimetres! / truth.distanceMillimetres! - 1) < 1e-5)
    }

    /// A known face seen through the near pinhole camera, its landmark vertices' exact
    /// projections fitted: told the focal length, the fit reprojects the landmarks more closely
    /// and recovers the shape better than the weak-perspective fit of the same points.
    @Test func pinholeFitBeatsWeakPerspectiveOnANearCamera() throws {
        let model = try loadModel("face")
        var random = SeededRandom(seed: 6)
        let alpha = (0..<model.identityCount).map { _ in Float(random.gaussian()) }
        let truth = model.shape(identity: alpha).map { SIMD3<Double>($0) }
        let camera = Self.nearCamera()
        let landmarks = Landmarks68(points: model.landmarkVertices.map { camera.project(truth[$0]) })
        let fitter = ProxyFitter(model: model)
        let intrinsics = CameraIntrinsics(focalPixels: camera.focalPixels!, principalPoint: camera.principalPoint)
        let pinhole = try fitter.fit(landmarks, intrinsics: intrinsics)
        let weak = try fitter.fit(landmarks)
        func alignedError(_ fit: FittedFace) -> Double {
            let shape = model.shape(identity: fit.identity.map(Float.init), expression: fit.expression.map(Float.init))
                .map { SIMD3<Double>($0) }
            let t = SimilarityTransform(aligning: shape, to: truth)
            return zip(shape, truth).map { norm(t.apply($0) - $1) }.reduce(0, +) / Double(truth.count)
        }
        // Held through every pose step (to round-off: each step recomputes κ = s / f).
        #expect(abs(try #require(pinhole.camera.focalPixels) - intrinsics.focalPixels) <= 1e-9 * intrinsics.focalPixels)
        #expect(
            pinhole.reprojectionError < 0.8 * weak.reprojectionError,
            "\(pinhole.reprojectionError) vs \(weak.reprojectionError)")
        #expect(alignedError(pinhole) < alignedError(weak), "\(alignedError(pinhole)) vs \(alignedError(weak)) mm")
    }
}

@Suite struct EXIFTests {
    /// A JPEG with an APP1 Exif segment (big-endian TIFF, IFD0 with the orientation and the Exif
    /// IFD pointer, the Exif IFD with FocalLengthIn35mmFilm) reads both tags; without the segment
    /// both are nil.
    @Test func readsOrientationAndEquivalentFocalLength() {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func u32(_ v: Int) -> [UInt8] { u16(v >> 16) + u16(v & 0xffff) }
        func entry(_ tag: Int, type: Int, value: [UInt8]) -> [UInt8] { u16(tag) + u16(type) + u32(1) + value }
        var tiff: [UInt8] = [0x4d, 0x4d] + u16(42) + u32(8)
        // IFD0 at 8: two entries, then the next-IFD offset; the Exif IFD follows at 8 + 2 + 24 + 4 = 38.
        tiff +=
            u16(2) + entry(0x0112, type: 3, value: u16(6) + [0, 0]) + entry(0x8769, type: 4, value: u32(38)) + u32(0)
        tiff += u16(1) + entry(0xa405, type: 3, value: u16(85) + [0, 0]) + u32(0)
        let app1 = [0x45, 0x78, 0x69, 0x66, 0, 0] + tiff
        let jpeg: [UInt8] = [0xff, 0xd8, 0xff, 0xe1] + u16(app1.count + 2) + app1 + [0xff, 0xda, 0, 2]
        let tags = EXIFTags(jpeg: jpeg)
        #expect(tags.orientation == 6 && tags.equivalentFocalMillimetres == 85)
        #expect(EXIFOrientation(jpeg: jpeg).value == 6)
        #expect(EXIFTags(jpeg: [0xff, 0xd8, 0xff, 0xda, 0, 2]) == EXIFTags())
    }
}

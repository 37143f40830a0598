import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

/// One predictor for the whole suite (dlib's own 95 MB file, where set-up has not converted it, takes
/// about a second to load).
let sharedPredictor = Result { try LandmarkPredictor(contentsOf: LandmarkPredictor.resolvedURL(explicit: nil)) }

func finder(allFaces: Bool = false) throws -> FaceFinder {
    try FaceFinder(
        detector: HOGFaceDetector(), predictor: sharedPredictor.get(),
        options: .init(allFaces: allFaces, detector: .hog))
}

/// The anatomy every 68-point result on an upright face must have (image y grows downward).
func expectAnatomicalOrder(_ l: Landmarks68, _ label: String) {
    let brows = (l.centre(of: Landmarks68.rightBrow).y + l.centre(of: Landmarks68.leftBrow).y) / 2
    let eyes = (l.centre(of: Landmarks68.rightEye).y + l.centre(of: Landmarks68.leftEye).y) / 2
    let nose = l[Landmarks68.noseTip].y
    let mouth = l.centre(of: Landmarks68.outerLips).y
    let chin = l[Landmarks68.chin].y
    #expect(
        brows < eyes && eyes < nose && nose < mouth && mouth < chin,
        "\(label): brows \(brows), eyes \(eyes), nose \(nose), mouth \(mouth), chin \(chin)")
    // The subject's right side is on the image's left.
    for (right, left) in [(0, 16), (4, 12), (17, 26), (36, 45), (39, 42), (31, 35), (48, 54)] {
        #expect(l[right].x < l[left].x, "\(label): point \(right) should be left of point \(left) in the image")
    }
}

@Suite struct LandmarkTests {
    @Test func astronautHasExactlyOneFaceInAnatomicalOrder() throws {
        let photo = try Photo.load(from: Repository.astronaut)
        let faces = try finder(allFaces: true).faces(in: photo)
        #expect(faces.count == 1)
        let face = try #require(faces.first)
        #expect(face.landmarks.points.allSatisfy(face.box.contains))
        // The face is in the upper middle of the 512² portrait (x 180–270, y 80–180 by eye).
        let centre = face.landmarks.centre(of: 0...67)
        #expect(centre.x > 180 && centre.x < 270 && centre.y > 80 && centre.y < 180, "centre \(centre)")
        #expect(face.rotation == 0 && face.score > 0.5)
        expectAnatomicalOrder(face.landmarks, "astronaut")
        // Same photo, same answer.
        #expect(try finder(allFaces: true).faces(in: photo) == faces)
    }

    @Test func groupPhotoHasAtLeastFiveFaces() throws {
        let photo = try Photo.load(from: Repository.groupJPEG)
        let faces = try finder(allFaces: true).faces(in: photo)
        print("group.jpg: \(faces.count) faces, scores \(faces.map { String(format: "%.2f", $0.score) })")
        #expect(faces.count >= 5)
        for (k, face) in faces.enumerated() {
            #expect(face.landmarks.points.allSatisfy(face.box.contains), "face \(k)")
            #expect(face.landmarks.interocularDistance > 15, "face \(k)")
        }
        // Largest first, and the default mode returns just that one.
        #expect(zip(faces, faces.dropFirst()).allSatisfy { $0.detectorBox.area >= $1.detectorBox.area })
        #expect(try finder().faces(in: photo) == [faces[0]])
        // No two faces are the same face found twice.
        for i in faces.indices {
            for j in faces.indices where j > i { #expect(faces[i].box.overlap(with: faces[j].box) < 0.3) }
        }
    }

    /// A head rolled 45° defeats the upright detector (its rolled filters reach about 30°); the
    /// rotation retry finds it, and its points land where the upright photo's points go under the
    /// same rotation.
    @Test func rolledHeadIsFoundByTheRotationRetry() throws {
        let upright = try Photo.load(from: Repository.astronaut)
        let reference = try #require(try finder().faces(in: upright).first)
        let grey = upright.greyscale()
        let roll = ImageRotation(degrees: 45, width: grey.width, height: grey.height)
        let turned = grey.rotated(by: roll)
        let rgb = try Image(
            width: turned.width, height: turned.height, channels: 3, pixels: turned.pixels.flatMap { [$0, $0, $0] })
        let rolled = Photo(url: upright.url, rgb: rgb)
        var plain = try finder()
        plain.options.rotationTiers = []
        #expect(throws: ReconstructError.self, "the upright passes alone miss the rolled head") {
            try plain.faces(in: rolled)
        }
        let face = try #require(try finder().faces(in: rolled).first)
        #expect(face.rotation != 0)
        // Where each upright point goes in the turned image: invert toSource by turning the other way.
        let back = ImageRotation(degrees: -45, width: grey.width, height: grey.height)
        var worst = 0.0
        for (p, q) in zip(reference.landmarks.points, face.landmarks.points) {
            let (x, y) = back.toSource(p.x, p.y)
            worst = max(worst, ((SIMD2(x, y) - q) * (SIMD2(x, y) - q)).sum().squareRoot())
        }
        let iod = reference.landmarks.interocularDistance
        print("rolled 45°: found at \(face.rotation)°, worst point \(worst) px, inter-ocular \(iod) px")
        #expect(worst < 0.25 * iod)
        #expect(face.landmarks.points.allSatisfy(face.box.contains))
    }

    /// PNG, 16-bit PNG, greyscale PPM, and a 3× larger copy: the same face in the same place.
    @Test func everyPhotoEncodingGivesTheSameFace() throws {
        let folder = try TemporaryFolder()
        let photo = try Photo.load(from: Repository.astronaut)
        let reference = try #require(try finder().faces(in: photo).first)
        let deep = photo.rgb.map { UInt16($0) * 257 }
        let sink = DirectorySink(directory: folder.url)
        try FormatDescriptor.png.imageWriter!.write(ImageAsset(image: .uint16(deep)), fileName: "deep.png", to: sink)
        try sink.commit()
        let grey = photo.greyscale()
        try (Data("P5\n\(grey.width) \(grey.height)\n255\n".utf8) + Data(grey.pixels)).write(
            to: folder.file("grey.pgm"))
        for name in ["deep.png", "grey.pgm"] {
            let face = try #require(try finder().faces(in: Photo.load(from: folder.file(name))).first, "\(name)")
            #expect(face.landmarks == reference.landmarks, "\(name)")
        }
        let big = Photo(url: photo.url, rgb: photo.rgb.resized(width: 1536, height: 1536))
        let face = try #require(try finder().faces(in: big).first)
        for (p, q) in zip(reference.landmarks.points, face.landmarks.points) {
            #expect(((p * 3 - q) * (p * 3 - q)).sum().squareRoot() < 0.1 * 3 * reference.landmarks.interocularDistance)
        }
    }

    /// Photos above the detection budget are detected on a downscaled copy, yet every coordinate
    /// comes back in the photo's own pixels (here a 1536² photo with a 1 MP budget: factor 2).
    @Test func downscaledDetectionReportsOriginalPixels() throws {
        let photo = try Photo.load(from: Repository.astronaut)
        let big = Photo(url: photo.url, rgb: photo.rgb.resized(width: 1536, height: 1536))
        let full = try #require(try finder().faces(in: big).first)
        var budget = try finder()
        budget.options.maxDetectionPixels = 1_000_000
        let reduced = try #require(try budget.faces(in: big).first)
        let iod = full.landmarks.interocularDistance
        // dlib's window sizes step by 6/5 across its pyramid, so sizes differ by a step; centres agree.
        let (a, b) = (reduced.detectorBox, full.detectorBox)
        #expect(
            abs((a.x + a.width / 2) - (b.x + b.width / 2)) < 0.1 * iod
                && abs((a.y + a.height / 2) - (b.y + b.height / 2)) < 0.1 * iod,
            "detector boxes \(reduced.detectorBox) vs \(full.detectorBox)")
        let worst = zip(full.landmarks.points, reduced.landmarks.points).map { p, q in
            ((p - q) * (p - q)).sum().squareRoot()
        }.max()!
        #expect(worst < 0.1 * iod, "worst point moved \(worst) px at inter-ocular \(iod) px")
    }

    @Test func aPhotoWithoutAFaceIsAnErrorNamingIt() throws {
        var sky = Image<UInt8>(width: 320, height: 240, channels: 3)
        for i in 0..<sky.pixels.count { sky.pixels[i] = UInt8(100 + (i / 3) % 320 / 4) }
        let url = URL(fileURLWithPath: "/photos/sky.jpg")
        #expect {
            try finder().faces(in: Photo(url: url, rgb: sky))
        } throws: { error in
            (error as? ReconstructError)?.code == .noFace && "\(error)".contains("/photos/sky.jpg")
        }
    }
}

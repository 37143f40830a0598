import Formats

/// Minimal drawing on 8-bit RGB images for debug overlays (no anti-aliasing; coordinates in pixels,
/// corner-based as everywhere in DESIGN.md).
extension Image where Pixel == UInt8 {
    public mutating func plot(_ x: Int, _ y: Int, _ colour: SIMD3<UInt8>) {
        guard channels >= 3, x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * channels
        pixels[i] = colour.x
        pixels[i + 1] = colour.y
        pixels[i + 2] = colour.z
    }

    /// A filled disc of `radius` pixels around `p`.
    public mutating func dot(at p: SIMD2<Double>, radius: Double, _ colour: SIMD3<UInt8>) {
        let r = Int(radius.rounded(.up))
        let cx = Int(p.x.rounded(.down))
        let cy = Int(p.y.rounded(.down))
        for dy in -r...r {
            for dx in -r...r where Double(dx * dx + dy * dy) <= radius * radius { plot(cx + dx, cy + dy, colour) }
        }
    }

    /// A line `thickness` pixels wide from `a` to `b`.
    public mutating func line(from a: SIMD2<Double>, to b: SIMD2<Double>, thickness: Double = 1, _ colour: SIMD3<UInt8>)
    {
        let d = b - a
        let steps = max(1, Int(max(abs(d.x), abs(d.y)).rounded(.up)))
        for s in 0...steps {
            let p = a + d * (Double(s) / Double(steps))
            if thickness <= 1 {
                plot(Int(p.x.rounded(.down)), Int(p.y.rounded(.down)), colour)
            } else {
                dot(at: p, radius: thickness / 2, colour)
            }
        }
    }

    public mutating func rectangle(_ box: FaceBox, thickness: Double = 1, _ colour: SIMD3<UInt8>) {
        let corners = [
            SIMD2(box.x, box.y), SIMD2(box.x + box.width, box.y),
            SIMD2(box.x + box.width, box.y + box.height), SIMD2(box.x, box.y + box.height),
        ]
        for i in 0..<4 { line(from: corners[i], to: corners[(i + 1) % 4], thickness: thickness, colour) }
    }
}

/// The debug picture of `landmarks`: the photo with each face's boxes, the 68 points and the
/// contours joining them (jaw, brows, nose, eyes, lips).
public func landmarkOverlay(on photo: Photo, faces: [DetectedFace]) -> Image<UInt8> {
    var canvas = photo.rgb
    let contours: [(ClosedRange<Int>, Bool)] = [
        (Landmarks68.jaw, false), (Landmarks68.rightBrow, false), (Landmarks68.leftBrow, false),
        (Landmarks68.noseBridge, false), (Landmarks68.nostrils, false), (Landmarks68.rightEye, true),
        (Landmarks68.leftEye, true), (Landmarks68.outerLips, true), (Landmarks68.innerLips, true),
    ]
    for face in faces {
        let size = max(face.box.width, face.box.height)
        let thickness = max(1, size / 150)
        canvas.rectangle(face.detectorBox, thickness: thickness, SIMD3(255, 200, 0))
        canvas.rectangle(face.box, thickness: thickness, SIMD3(0, 220, 0))
        for (range, closed) in contours {
            let indices = Array(range) + (closed ? [range.lowerBound] : [])
            for k in 0..<(indices.count - 1) {
                canvas.line(
                    from: face.landmarks[indices[k]], to: face.landmarks[indices[k + 1]], thickness: thickness,
                    SIMD3(0, 160, 255))
            }
        }
        for p in face.landmarks.points { canvas.dot(at: p, radius: max(1.5, size / 120), SIMD3(255, 0, 0)) }
    }
    return canvas
}

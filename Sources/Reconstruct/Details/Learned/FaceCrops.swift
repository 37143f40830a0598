import Formats
import Foundation

/// Every face of a photo as its own photo: the region around each detected face (the box grown
/// by `margin` of its side on every side, clipped to the photo), so a group photo gives one
/// reconstruction per person (`ProxyReconstructor` fits the largest face of what it is given).
/// Faces whose box is under `minimumSide` pixels are skipped (their landmarks are too coarse
/// for a fit). Largest face first.
public enum FaceCrops {
    public static func crops(of photo: Photo, finder: FaceFinder, margin: Double = 0.6, minimumSide: Double = 80)
        throws -> [Photo]
    {
        var timings = FaceFinder.Timings()
        let search = try finder.search(in: photo, timings: &timings)
        let boxes = search.faces.map(\.detectorBox) + search.others.map(\.box)
        return boxes.filter { min($0.width, $0.height) >= minimumSide }.map { box in
            let x0 = max(0, Int(box.x - margin * box.width))
            let y0 = max(0, Int(box.y - margin * box.height))
            let x1 = min(photo.width, Int(box.x + (1 + margin) * box.width))
            let y1 = min(photo.height, Int(box.y + (1 + margin) * box.height))
            var crop = Image<UInt8>(width: x1 - x0, height: y1 - y0, channels: 3)
            let c = photo.rgb.channels
            for y in y0..<y1 {
                for x in x0..<x1 {
                    for k in 0..<3 {
                        crop.pixels[3 * ((y - y0) * crop.width + x - x0) + k] =
                            photo.rgb.pixels[c * (y * photo.width + x) + k]
                    }
                }
            }
            // A crop narrows the field of view: its 35 mm-equivalent focal length grows by the same factor.
            return Photo(
                url: photo.url, rgb: crop,
                equivalentFocalMillimetres: photo.equivalentFocalMillimetres.map {
                    $0 * Double(photo.width) / Double(crop.width)
                })
        }
    }

    /// Every face of each photo reconstructed by `reconstructor`'s proxy stage, named "photo" or
    /// "photo#k" (k from 0, largest first), in photo order. A face the fit refuses is reported
    /// through `progress` and left out; an unreadable photo is an error.
    public static func reconstructions(
        of photos: [URL], reconstructor: ProxyReconstructor, progress: (String) -> Void = { _ in }
    ) throws -> [(name: String, result: ProxyReconstructor.Result)] {
        var out: [(name: String, result: ProxyReconstructor.Result)] = []
        for url in photos {
            let faces = try crops(of: try Photo.load(from: url), finder: reconstructor.finder)
            for (k, crop) in faces.enumerated() {
                let name = url.lastPathComponent + (faces.count > 1 ? "#\(k)" : "")
                do {
                    out.append((name, try reconstructor.reconstruct(crop)))
                    progress(name)
                } catch {
                    progress("\(name) skipped: \(error)")
                }
            }
        }
        return out
    }
}

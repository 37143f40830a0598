import Foundation

/// A fast reader for the plain OBJ that ICT-FaceKit ships (`v`, `vt`, `f v/vt`, `usemtl`): the
/// importer reads 155 such files of 2.5 MB each, so it scans bytes instead of splitting strings.
struct OBJScanner {
    struct Geometry {
        var positions: [Float] = []
        var uvs: [Float] = []
        var polygonSizes: [UInt8] = []
        var polygonVertices: [UInt32] = []
        var polygonUVIndices: [UInt32] = []
        var polygonMaterials: [UInt32] = []
        var materialNames: [String] = []
    }

    /// Reads positions only, stopping after `expected` vertices (ICT files list all `v` lines first).
    static func positions(of url: URL, expected: Int) throws -> [Float] {
        var geometry = Geometry()
        try scan(url, into: &geometry, positionsOnly: true, stopAfter: expected)
        guard geometry.positions.count == 3 * expected else {
            throw ReconstructError(
                .missingData, path: url.path, "has \(geometry.positions.count / 3) vertices",
                reason: "expected \(expected), as in generic_neutral_mesh.obj")
        }
        return geometry.positions
    }

    /// Reads positions, UVs, polygons (triangles and quads) and their materials.
    static func geometry(of url: URL) throws -> Geometry {
        var geometry = Geometry()
        try scan(url, into: &geometry, positionsOnly: false, stopAfter: .max)
        return geometry
    }

    private static func scan(_ url: URL, into g: inout Geometry, positionsOnly: Bool, stopAfter: Int) throws {
        guard var bytes = FileManager.default.contents(atPath: url.path).map([UInt8].init) else {
            throw ReconstructError(.missingData, path: url.path, "cannot be read")
        }
        bytes.append(0)  // strtof stops at the NUL after the last line
        var line = 1
        func malformed(_ what: String) -> ReconstructError {
            ReconstructError(.missingData, path: url.path, "is not the OBJ expected", reason: "line \(line): \(what)")
        }
        try bytes.withUnsafeBufferPointer { buf in
            let base = UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self)
            let end = buf.count - 1
            var i = 0
            var material: UInt32 = 0
            func skipLine() {
                while i < end && buf[i] != 0x0a { i += 1 }
                i += 1
                line += 1
            }
            func float() throws -> Float {
                var stop: UnsafeMutablePointer<CChar>? = nil
                let v = strtof(base + i, &stop)
                let next = UnsafeRawPointer(stop!) - UnsafeRawPointer(base)
                guard next > i else { throw malformed("expected a number") }
                i = next
                return v
            }
            func integer() -> Int? {
                while buf[i] == 0x20 || buf[i] == 0x09 { i += 1 }
                var v = 0
                var digits = 0
                while buf[i] >= 0x30 && buf[i] <= 0x39 {
                    v = v * 10 + Int(buf[i] - 0x30)
                    i += 1
                    digits += 1
                }
                return digits > 0 ? v : nil
            }
            while i < end {
                let c0 = buf[i]
                let c1 = i + 1 < end ? buf[i + 1] : 0
                if c0 == UInt8(ascii: "v") && c1 == 0x20 {
                    i += 2
                    for _ in 0..<3 { g.positions.append(try float()) }
                    if g.positions.count / 3 >= stopAfter { return }
                } else if positionsOnly {
                    // Not a position line: skip it.
                } else if c0 == UInt8(ascii: "v") && c1 == UInt8(ascii: "t") {
                    i += 3
                    for _ in 0..<2 { g.uvs.append(try float()) }
                } else if c0 == UInt8(ascii: "f") && c1 == 0x20 {
                    i += 2
                    var corners = 0
                    while let v = integer() {
                        guard buf[i] == UInt8(ascii: "/"), v > 0 else { throw malformed("face corners must be v/vt") }
                        i += 1
                        guard let t = integer(), t > 0 else { throw malformed("face corner without a UV index") }
                        if buf[i] == UInt8(ascii: "/") {
                            i += 1
                            _ = integer()
                        }
                        g.polygonVertices.append(UInt32(v - 1))
                        g.polygonUVIndices.append(UInt32(t - 1))
                        corners += 1
                    }
                    guard corners == 3 || corners == 4 else { throw malformed("polygon with \(corners) corners") }
                    g.polygonSizes.append(UInt8(corners))
                    g.polygonMaterials.append(material)
                } else if bytes.count > i + 7, Array(bytes[i..<(i + 7)]) == Array("usemtl ".utf8) {
                    var j = i + 7
                    while j < end && buf[j] != 0x0a && buf[j] != 0x0d { j += 1 }
                    let name = String(decoding: bytes[(i + 7)..<j], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    if let k = g.materialNames.firstIndex(of: name) {
                        material = UInt32(k)
                    } else {
                        material = UInt32(g.materialNames.count)
                        g.materialNames.append(name)
                    }
                }
                skipLine()
            }
        }
    }
}

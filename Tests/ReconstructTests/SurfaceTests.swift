import Formats
import Foundation
import Testing

@testable import Reconstruct

/// A flat grid of `columns` × `rows` unit quads in z = 0 (optionally each split along the same
/// diagonal), with uv an affine function of position so linear reproduction can be checked.
func planarGrid(columns: Int, rows: Int, triangles: Bool = false) -> Mesh {
    var positions: [SIMD3<Float>] = []
    for y in 0...rows { for x in 0...columns { positions.append(SIMD3(Float(x), Float(y), 0)) } }
    var sizes: [UInt8] = []
    var corners: [UInt32] = []
    for y in 0..<rows {
        for x in 0..<columns {
            let a = UInt32(y * (columns + 1) + x)
            let b = a + 1
            let c = b + UInt32(columns + 1)
            let d = a + UInt32(columns + 1)
            if triangles {
                sizes += [3, 3]
                corners += [a, b, c, a, c, d]
            } else {
                sizes.append(4)
                corners += [a, b, c, d]
            }
        }
    }
    let uvs = positions.map { gridUV($0, columns: columns, rows: rows) }
    return Mesh(positions: positions, uvs: uvs, faceSizes: sizes, faceVertexIndices: corners, faceUVIndices: corners)
}

func gridUV(_ p: SIMD3<Float>, columns: Int, rows: Int) -> SIMD2<Float> {
    SIMD2(0.1 + 0.8 * p.x / Float(columns), 0.05 + 0.9 * p.y / Float(rows))
}

@Suite struct SubdivisionTests {
    /// The cube [−1, 1]³: one Catmull–Clark step puts a corner at (5/9, 5/9, 5/9) (valence 3:
    /// (Q + 2R)/3 with Q = (1/3, 1/3, 1/3), R = (2/3, 2/3, 2/3)), an edge point at (3/4, 3/4, 0)
    /// and a face point at the face centre; V + E + F vertices, four quads per quad.
    @Test func catmullClarkOnACubeGivesTheHandComputedPoints() {
        let p: [SIMD3<Float>] = [
            [-1, -1, -1], [1, -1, -1], [1, 1, -1], [-1, 1, -1], [-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1],
        ]
        let quads: [UInt32] = [0, 3, 2, 1, 4, 5, 6, 7, 0, 1, 5, 4, 2, 3, 7, 6, 1, 2, 6, 5, 0, 4, 7, 3]
        let cube = Mesh(positions: p, faceSizes: Array(repeating: 4, count: 6), faceVertexIndices: quads)
        let once = Subdivision.catmullClark(cube)
        #expect(once.positions.count == 8 + 12 + 6 && once.faceCount == 24)
        #expect(length(once.positions[6] - SIMD3(5, 5, 5) / 9) < 1e-6)
        #expect(once.positions[8..<20].contains { length($0 - SIMD3(0.75, 0.75, 0)) < 1e-6 })
        #expect(once.positions[20..<26].contains { length($0 - SIMD3(0, 0, 1)) < 1e-6 })
        // Closed and consistently wound: every edge has exactly two faces, used once each way.
        let topology = EdgeTopology(once)
        #expect(topology.edgeFaces.allSatisfy { $0.count == 2 })
    }

    /// Both schemes reproduce affine functions on a regular planar grid, boundaries included:
    /// the surface stays in its plane and each corner's linearly carried UV still equals the affine
    /// UV of its (smoothed) position.
    @Test(arguments: [false, true]) func subdivisionKeepsAPlaneAndItsUVs(triangles: Bool) {
        let grid = planarGrid(columns: 4, rows: 3, triangles: triangles)
        let edges = EdgeTopology(grid).edges.count
        let once = Subdivision.subdivided(grid, levels: 1)
        #expect(once.positions.count == grid.positions.count + edges + (triangles ? 0 : grid.faceCount))
        #expect(once.faceCount == 4 * grid.faceCount)
        let twice = Subdivision.subdivided(grid, levels: 2)
        for corner in twice.faceVertexIndices.indices {
            let p = twice.positions[Int(twice.faceVertexIndices[corner])]
            let uv = twice.uvs[Int(twice.faceUVIndices[corner])]
            #expect(abs(p.z) < 1e-6)
            #expect(length(uv - gridUV(p, columns: 4, rows: 3)) < 1e-5, "corner \(corner): uv \(uv) at \(p)")
        }
        #expect(twice.normals.allSatisfy { abs($0.z - 1) < 1e-6 })
    }

    /// Loop on a tetrahedron: V + E vertices, 4 triangles per triangle, and the hand-computed
    /// points: the edge (1,1,1)–(1,−1,−1) goes to 3/8 · (sum) + 1/8 · (its two opposite corners)
    /// = (1/2, 0, 0); a valence-3 corner to (1 − 3β) v + β · ring with β = 3/16, i.e. (1/4, 1/4, 1/4).
    @Test func loopOnATetrahedronStaysClosedAndInside() {
        let p: [SIMD3<Float>] = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
        let tetra = Mesh(
            positions: p, faceSizes: [3, 3, 3, 3], faceVertexIndices: [0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2])
        let once = Subdivision.loop(tetra)
        #expect(once.positions.count == 10 && once.faceCount == 16)
        #expect(EdgeTopology(once).edgeFaces.allSatisfy { $0.count == 2 })
        #expect(length(once.positions[0] - SIMD3(0.25, 0.25, 0.25)) < 1e-6)
        #expect(once.positions[4...].contains { length($0 - SIMD3(0.5, 0, 0)) < 1e-6 })
    }
}

@Suite struct DisplacementTests {
    /// A flat grid whose vertices sit on texel centres of a known map moves each vertex along +z
    /// by exactly the map's value there (1e-5 mm); a vertex between texels gets the bilinear value;
    /// a centimetre mesh moves a tenth as far; vertices outside the UV tile stay.
    @Test func aPlaneMovesByTheSampledValue() throws {
        let (w, h) = (8, 6)
        func f(_ x: Int, _ y: Int) -> Float { 0.3 * Float(x) - 0.2 * Float(y) + 0.1 * sin(Float(x * y)) }
        var values = [Float](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { values[y * w + x] = f(x, y) } }
        let map = DisplacementMap(values: try Image(width: w, height: h, channels: 1, pixels: values))
        // Vertex (x, y) of the grid at texel (x, y)'s centre: uv ((x + 0.5)/W, 1 − (y + 0.5)/H).
        var plane = planarGrid(columns: w - 1, rows: h - 1)
        plane.uvs = plane.positions.map { p in SIMD2((p.x + 0.5) / Float(w), 1 - (p.y + 0.5) / Float(h)) }
        let moved = plane.displaced(by: map, meshUnit: .millimetre)
        for (i, p) in moved.positions.enumerated() {
            let x = Int(plane.positions[i].x)
            let y = Int(plane.positions[i].y)
            #expect(abs(p.z - f(x, y)) < 1e-5, "vertex (\(x), \(y)): \(p.z) vs \(f(x, y))")
            #expect(p.x == plane.positions[i].x && p.y == plane.positions[i].y)
        }
        let inCentimetres = plane.displaced(by: map, gain: 2, meshUnit: .centimetre)
        #expect(abs(inCentimetres.positions[9].z - 2 * f(1, 1) / 10) < 1e-6)
        // Between texels (1, 2), (2, 2), (1, 3), (2, 3) at weights 0.25 / 0.5.
        let between = try #require(map.distance(atU: (1.25 + 0.5) / Float(w), v: 1 - (2.5 + 0.5) / Float(h)))
        let top = 0.75 * f(1, 2) + 0.25 * f(2, 2)
        let bottom = 0.75 * f(1, 3) + 0.25 * f(2, 3)
        #expect(abs(between - (top + bottom) / 2) < 1e-5)
        #expect(map.distance(atU: 1.2, v: 0.5) == nil)
    }

    /// The map's own attributes: a stored value v means (v − midlevel) × scale in its unit.
    @Test func midlevelScaleAndUnitsAreHonoured() throws {
        let image = try Image<Float>(width: 1, height: 1, channels: 1, pixels: [0.75])
        let asset = ImageAsset(
            image: .float32(image), attributes: ["units": .string("cm"), "midlevel": .float(0.5), "scale": .float(2)])
        let map = try DisplacementMap(asset, path: "d.exr")
        #expect(map.distance(atU: 0.5, v: 0.5) == 0.5 && map.unit == .centimetre)
        let rgb = ImageAsset(image: .uint8(try Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])))
        #expect(throws: ReconstructError.self) { try DisplacementMap(rgb, path: "d.png") }
        let bad = ImageAsset(image: .float32(try Image(width: 1, height: 1, channels: 1, pixels: [.nan])))
        #expect(throws: ReconstructError.self) { try DisplacementMap(bad, path: "nan.exr") }
    }
}

func length(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }
func length(_ v: SIMD2<Float>) -> Float { (v * v).sum().squareRoot() }

@Suite struct NormalMapTests {
    /// A flat 10 × 10 mm square (UV = position / 10 mm) under a linear ramp d = a·x (mm): the
    /// displaced surface's normal is (−a, 0, 1)/√(1 + a²) exactly, in every covered texel, and
    /// DirectX flips only green. A ramp along y gives (0, −b, 1)/√(1 + b²).
    @Test func linearRampGivesTheExactTangentSpaceNormal() throws {
        let n = 32
        let plane = Mesh(
            positions: [[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0]], uvs: [[0, 0], [1, 0], [1, 1], [0, 1]],
            faceSizes: [4], faceVertexIndices: [0, 1, 2, 3], faceUVIndices: [0, 1, 2, 3])
        for (a, b) in [(Float(0.3), Float(0)), (0, -0.5)] {
            var values = [Float](repeating: 0, count: n * n)
            for y in 0..<n {
                for x in 0..<n {
                    // Texel centre position in mm: x = 10 (x + 0.5)/n, y = 10 (1 − (y + 0.5)/n).
                    values[y * n + x] =
                        a * 10 * (Float(x) + 0.5) / Float(n) + b * 10 * (1 - (Float(y) + 0.5) / Float(n))
                }
            }
            let map = DisplacementMap(values: try Image(width: n, height: n, channels: 1, pixels: values))
            let expected = SIMD3<Float>(-a, -b, 1) / (1 + a * a + b * b).squareRoot()
            let gl = NormalMapBaker().bake(map, on: [plane], meshUnit: .millimetre)
            let dx = NormalMapBaker(convention: .directx).bake(map, on: [plane], meshUnit: .millimetre)
            // Baked straight into the PNG's words (reconstruct without EXR maps): the words the
            // float map encodes to, texel for texel, flat texels outside the face included.
            let words = NormalMapBaker().bake(map, on: [plane], meshUnit: .millimetre, as: UInt16.self)
            guard case .uint16(let png) = try NormalMapBaker.encoded(gl, as: .uint16).image else {
                Issue.record("not 16-bit")
                return
            }
            #expect(words.pixels == png.pixels)
            guard case .uint16(let kept) = try BakedNormals.words(words).asset(as: .uint16).image else {
                Issue.record("not 16-bit")
                return
            }
            #expect(kept.pixels == png.pixels)
            for i in 0..<(n * n) {
                let got = SIMD3(gl.pixels[3 * i], gl.pixels[3 * i + 1], gl.pixels[3 * i + 2])
                #expect(length(got - expected) < 1e-5, "texel \(i): \(got) vs \(expected)")
                #expect(dx.pixels[3 * i + 1] == -gl.pixels[3 * i + 1] && dx.pixels[3 * i] == gl.pixels[3 * i])
            }
        }
    }

    /// PNG storage is n · 0.5 + 0.5 in 16 bits: the flat normal is (32768, 32768, 65535).
    @Test func flatNormalEncodesAsDesignSays() throws {
        let flat = try Image<Float>(width: 1, height: 1, channels: 3, pixels: [0, 0, 1])
        guard case .uint16(let png) = try NormalMapBaker.encoded(flat, as: .uint16).image else {
            Issue.record("not 16-bit")
            return
        }
        #expect(png.pixels == [32768, 32768, 65535])
    }
}

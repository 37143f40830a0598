import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Reconstruct

@Suite struct PhotoTests {
    @Test func ppmVariantsDecodeToTheSamePixels() throws {
        // A 2×1 RGB image as P6 (binary) and P3 (ascii, with a comment), and 16-bit P6.
        let p6: [UInt8] = Array("P6\n2 1\n255\n".utf8) + [255, 0, 0, 0, 128, 255]
        let p3: [UInt8] = Array("P3\n# comment\n2 1 255\n255 0 0  0 128 255\n".utf8)
        let wide: [UInt8] = Array("P6 2 1 65535\n".utf8) + [255, 255, 0, 0, 0, 0, 0, 0, 128, 128, 255, 255]
        let a = try PPMReader.decode(p6)
        let b = try PPMReader.decode(p3)
        #expect(a == b)
        guard case .uint8(let image) = a else {
            Issue.record("expected 8-bit")
            return
        }
        #expect(image.pixels == [255, 0, 0, 0, 128, 255])
        guard case .uint16(let deep) = try PPMReader.decode(wide) else {
            Issue.record("expected 16-bit")
            return
        }
        #expect(deep.pixels == [65535, 0, 0, 0, 32896, 65535])
        #expect(throws: FormatError.self) { try PPMReader.decode(Array(p6.dropLast(2))) }
        #expect(throws: FormatError.self) { try PPMReader.decode(Array("P6\n2 1\n".utf8)) }
    }
}

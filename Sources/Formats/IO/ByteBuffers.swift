/// Appends little-endian values to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func append(_ value: Float) { append(value.bitPattern) }
    mutating func append(_ value: Double) { append(value.bitPattern) }
    mutating func append(bytes more: some Sequence<UInt8>) { bytes.append(contentsOf: more) }
    /// Many floats at once, little-endian: one copy instead of one append per value.
    mutating func append(floats: [Float]) {
        floats.map { $0.bitPattern.littleEndian }.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
    /// xyz of each vector, as `append(floats:)`.
    mutating func append(vectors: [SIMD3<Float>]) {
        var flat = [Float]()
        flat.reserveCapacity(3 * vectors.count)
        for v in vectors {
            flat.append(v.x)
            flat.append(v.y)
            flat.append(v.z)
        }
        append(floats: flat)
    }
    mutating func appendString(_ s: String) {
        let utf8 = Array(s.utf8)
        append(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }
    /// Overwrites a 32-bit value at `offset` (for lengths known only after the payload).
    mutating func patch(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { for i in 0..<4 { bytes[offset + i] = $0[i] } }
    }
}

/// Reads little-endian values from a byte array, throwing on truncation.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw FormatError(.malformed, "\(what) is truncated") }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return T(littleEndian: value)
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }

    mutating func readBytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw FormatError(.malformed, "\(what) is truncated") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func readString() throws -> String {
        let count = Int(try read(UInt32.self))
        return String(decoding: try readBytes(count), as: UTF8.self)
    }
}

extension String {
    /// The text of a C character buffer up to its first NUL.
    public init(nullTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

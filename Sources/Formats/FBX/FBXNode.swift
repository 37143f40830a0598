import CDeflate
import Foundation

/// One property of an FBX node record, tagged as in the binary format's type codes.
enum FBXProperty {
    case bool(Bool)  // 'C'
    case int16(Int16)  // 'Y'
    case int32(Int32)  // 'I'
    case int64(Int64)  // 'L'
    case float(Float)  // 'F'
    case double(Double)  // 'D'
    case string(String)  // 'S'
    case raw([UInt8])  // 'R'
    case int32Array([Int32])  // 'i'
    case int64Array([Int64])  // 'l'
    case doubleArray([Double])  // 'd'
    case floatArray([Float])  // 'f'
    /// `count` doubles, all zero, written without an array of them (a rig's Shape normals).
    case zeroDoubleArray(Int)  // 'd'
}

/// A node of the FBX tree: name, properties, children.
struct FBXNode {
    var name: String
    var properties: [FBXProperty]
    var children: [FBXNode]

    init(_ name: String, _ properties: [FBXProperty] = [], children: [FBXNode] = []) {
        self.name = name
        self.properties = properties
        self.children = children
    }

    /// `Properties70` child `P` record: name, type, label, flags, then the values.
    static func p(_ name: String, _ type: String, _ label: String, _ flags: String, _ values: FBXProperty...) -> FBXNode
    {
        FBXNode("P", [.string(name), .string(type), .string(label), .string(flags)] + values)
    }

    /// FBX's "Name\0\x01Class" object name.
    static func objectName(_ name: String, _ cls: String) -> FBXProperty { .string("\(name)\u{0}\u{1}\(cls)") }
}

/// Encodes FBX 7.4 binary files (32-bit offsets), following the layout Blender and the FBX SDK
/// write: header, top-level nodes, a null record, then the fixed footer.
enum FBXBinaryEncoder {
    static let version: UInt32 = 7400
    /// FileId and CreationTime must agree with the footer's code for some readers; these are the
    /// fixed values Blender also writes, which keeps our output free of timestamps.
    static let fileID: [UInt8] = [
        0x28, 0xb3, 0x2a, 0xeb, 0xb6, 0x24, 0xcc, 0xc2, 0xbf, 0xc8, 0xb0, 0x2a, 0xa9, 0x2b, 0xfc, 0xf1,
    ]
    static let creationTime = "1970-01-01 10:00:00:000"
    private static let footerID: [UInt8] = [
        0xfa, 0xbc, 0xab, 0x09, 0xd0, 0xc8, 0xd4, 0x66, 0xb1, 0x76, 0xfb, 0x83, 0x1c, 0xf7, 0x26, 0x7e,
    ]
    private static let footerMagic: [UInt8] = [
        0xf8, 0x5a, 0x8c, 0x6a, 0xde, 0xf5, 0xd9, 0x7e, 0xec, 0xe9, 0x0c, 0xe3, 0x75, 0x8f, 0x29, 0x0b,
    ]
    private static let nullRecord = [UInt8](repeating: 0, count: 13)
    /// Arrays of at least this many bytes are zlib-compressed (encoding 1), as the FBX SDK does;
    /// level 1: a detailed mesh's arrays compress 3× faster than at 6 for a few per cent more bytes.
    private static let compressionThreshold = 128

    static func encode(_ topLevel: [FBXNode]) throws -> [UInt8] {
        var w = ByteWriter()
        w.append(bytes: Array("Kaydara FBX Binary  ".utf8) + [0x00, 0x1a, 0x00])
        w.append(version)
        for (i, node) in topLevel.enumerated() { try write(node, into: &w, isLast: i == topLevel.count - 1) }
        w.append(bytes: nullRecord)
        w.append(bytes: footerID)
        w.append(bytes: [UInt8](repeating: 0, count: 4))
        var pad = ((w.bytes.count + 15) & ~15) - w.bytes.count
        if pad == 0 { pad = 16 }
        w.append(bytes: [UInt8](repeating: 0, count: pad))
        w.append(version)
        w.append(bytes: [UInt8](repeating: 0, count: 120))
        w.append(bytes: footerMagic)
        return w.bytes
    }

    private static func write(_ node: FBXNode, into w: inout ByteWriter, isLast: Bool) throws {
        let start = w.bytes.count
        w.append(UInt32(0))
        w.append(UInt32(node.properties.count))
        w.append(UInt32(0))
        let name = Array(node.name.utf8)
        w.append(UInt8(name.count))
        w.append(bytes: name)
        let propertiesStart = w.bytes.count
        for property in node.properties { try write(property, into: &w) }
        w.patch(UInt32(w.bytes.count - propertiesStart), at: start + 8)
        if !node.children.isEmpty {
            for (i, child) in node.children.enumerated() {
                try write(child, into: &w, isLast: i == node.children.count - 1)
            }
            w.append(bytes: nullRecord)
        } else if node.properties.isEmpty && !isLast {
            // A node with neither properties nor children still closes its (empty) list.
            w.append(bytes: nullRecord)
        }
        guard w.bytes.count <= Int(UInt32.max) else {
            throw FormatError(.writeFailed, "FBX 7.4 files are limited to 4 GiB")
        }
        w.patch(UInt32(w.bytes.count), at: start)
    }

    private static func write(_ property: FBXProperty, into w: inout ByteWriter) throws {
        func code(_ c: Character) { w.append(c.asciiValue!) }
        switch property {
        case .bool(let v):
            code("C")
            w.append(UInt8(v ? 1 : 0))
        case .int16(let v):
            code("Y")
            w.append(v)
        case .int32(let v):
            code("I")
            w.append(v)
        case .int64(let v):
            code("L")
            w.append(v)
        case .float(let v):
            code("F")
            w.append(v)
        case .double(let v):
            code("D")
            w.append(v)
        case .string(let s):
            code("S")
            w.appendString(s)
        case .raw(let b):
            code("R")
            w.append(UInt32(b.count))
            w.append(bytes: b)
        case .int32Array(let a):
            code("i")
            try array(a, into: &w)
        case .int64Array(let a):
            code("l")
            try array(a, into: &w)
        case .doubleArray(let a):
            code("d")
            try array(a, into: &w)
        case .floatArray(let a):
            code("f")
            try array(a, into: &w)
        case .zeroDoubleArray(let count):
            code("d")
            // calloc: a large block comes as untouched zero pages, read without being written.
            guard let zeros = calloc(max(count, 1), 8) else {
                throw FormatError(.writeFailed, "cannot allocate \(8 * count) bytes of zeros")
            }
            defer { free(zeros) }
            try array(count, UnsafeRawBufferPointer(start: zeros, count: 8 * count), into: &w)
        }
    }

    /// An array property's payload straight from the array's memory (little-endian hosts; the
    /// values are swapped first elsewhere): no byte array per value, no intermediate copy.
    private static func array<T>(_ values: [T], into w: inout ByteWriter) throws {
        #if _endian(little)
            try values.withUnsafeBytes { try array(values.count, $0, into: &w) }
        #else
            #error("the FBX writer assumes a little-endian host")
        #endif
    }

    private static func array(_ count: Int, _ raw: UnsafeRawBufferPointer, into w: inout ByteWriter) throws {
        w.append(UInt32(count))
        if raw.count >= compressionThreshold {
            let packed = try deflate(raw)
            w.append(UInt32(1))
            w.append(UInt32(packed.count))
            w.append(bytes: packed)
        } else {
            w.append(UInt32(0))
            w.append(UInt32(raw.count))
            w.append(bytes: raw)
        }
    }

    /// zlib stream (RFC 1950) by libdeflate at level 1 (its fastest; zlib's level 1 before it);
    /// deterministic for a given libdeflate build.
    static func deflate(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(1) else {
            throw FormatError(.writeFailed, "cannot allocate a deflate compressor")
        }
        defer { libdeflate_free_compressor(compressor) }
        var output = [UInt8](repeating: 0, count: libdeflate_zlib_compress_bound(compressor, input.count))
        let length = output.withUnsafeMutableBufferPointer { out in
            libdeflate_zlib_compress(compressor, input.baseAddress, input.count, out.baseAddress, out.count)
        }
        guard length > 0 else { throw FormatError(.writeFailed, "deflate compression failed") }
        return Array(output.prefix(length))
    }
}

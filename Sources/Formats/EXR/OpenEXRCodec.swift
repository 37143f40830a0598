import CEXRDeflate
import COpenEXR
import Foundation

/// OpenEXR through the Core C API (OpenEXR 3.1): single-part scanline files of 1–4 half or float
/// channels, ZIP-compressed on write, with string and float header attributes.
///
/// Bytes go through in-memory streams in both directions, so writes reach disk only through a
/// `FileSink` and errors carry the library's own message.
struct OpenEXRCodec: ImageReader, ImageWriter {
    /// Header attributes that describe the file's structure; not reported as user attributes.
    /// libdeflate's level for the ZIP chunks: its 1 compresses better than zlib's 1, faster.
    static let deflateLevel: Int32 = 1
    static let requiredAttributes: Set<String> = [
        "channels", "compression", "dataWindow", "displayWindow", "lineOrder", "pixelAspectRatio",
        "screenWindowCenter", "screenWindowWidth", "name", "type", "version", "chunkCount", "tiles",
    ]

    func decodeImage(_ data: [UInt8], path: String, limits: ImageLimits) throws -> ImageAsset {
        let stream = EXRStream(bytes: data)
        var context: exr_context_t? = nil
        var initializer = stream.initializer()
        try stream.check(exr_start_read(&context, path, &initializer), path, "is not a readable OpenEXR file")
        defer { exr_finish(&context) }
        return try Self.decode(context!, stream: stream, path: path, limits: limits)
    }

    private static func decode(
        _ context: exr_context_t, stream: EXRStream, path: String, limits: ImageLimits
    ) throws -> ImageAsset {
        var storage = EXR_STORAGE_LAST_TYPE
        try stream.check(exr_get_storage(context, 0, &storage), path, "has no readable part")
        guard storage == EXR_STORAGE_SCANLINE else {
            throw FormatError(
                .unsupported, path: path, "uses tiled or deep storage", reason: "only scanline files are read")
        }
        var window = exr_attr_box2i_t()
        try stream.check(exr_get_data_window(context, 0, &window), path, "has no data window")
        let width = Int(window.max.x) - Int(window.min.x) + 1
        let height = Int(window.max.y) - Int(window.min.y) + 1
        try limits.check(width: width, height: height, path: path)
        var list: UnsafePointer<exr_attr_chlist_t>? = nil
        try stream.check(exr_get_channels(context, 0, &list), path, "has no channel list")
        let entries = UnsafeBufferPointer(start: list!.pointee.entries, count: Int(list!.pointee.num_channels))
        guard (1...4).contains(entries.count) else {
            throw FormatError(.unsupported, path: path, "has \(entries.count) channels", reason: "1 to 4 are read")
        }
        let names = entries.map { String(cString: $0.name.str) }
        let types = Set(entries.map(\.pixel_type))
        guard types.count == 1, let type = types.first, type == EXR_PIXEL_HALF || type == EXR_PIXEL_FLOAT,
            entries.allSatisfy({ $0.x_sampling == 1 && $0.y_sampling == 1 })
        else {
            throw FormatError(
                .unsupported, path: path, "mixes pixel types, uses uint or subsampled channels",
                reason: "one of half or float, full resolution, is read")
        }
        let order = Self.interleaveOrder(names)
        let bytesPerComponent = type == EXR_PIXEL_HALF ? 2 : 4
        var raw = [UInt8](repeating: 0, count: width * height * entries.count * bytesPerComponent)
        var linesPerChunk: Int32 = 0
        try stream.check(exr_get_scanlines_per_chunk(context, 0, &linesPerChunk), path, "has no chunk layout")
        let decoder = UnsafeMutablePointer<exr_decode_pipeline_t>.allocate(capacity: 1)
        decoder.initialize(to: exr_decode_pipeline_t())
        defer {
            exr_decoding_destroy(context, decoder)
            decoder.deallocate()
        }
        var initialized = false
        try raw.withUnsafeMutableBytes { buffer in
            for y in stride(from: Int(window.min.y), through: Int(window.max.y), by: Int(linesPerChunk)) {
                var chunk = exr_chunk_info_t()
                try stream.check(
                    exr_read_scanline_chunk_info(context, 0, Int32(y), &chunk), path, "has a damaged chunk table")
                if initialized {
                    try stream.check(exr_decoding_update(context, 0, &chunk, decoder), path, "cannot be decoded")
                } else {
                    try stream.check(exr_decoding_initialize(context, 0, &chunk, decoder), path, "cannot be decoded")
                }
                let rowOffset = (Int(chunk.start_y) - Int(window.min.y)) * width
                for c in 0..<Int(decoder.pointee.channel_count) {
                    let name = String(cString: decoder.pointee.channels[c].channel_name)
                    let slot = order.firstIndex(of: name)!
                    decoder.pointee.channels[c].decode_to_ptr =
                        buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                        + (rowOffset * entries.count + slot) * bytesPerComponent
                    decoder.pointee.channels[c].user_pixel_stride = Int32(entries.count * bytesPerComponent)
                    decoder.pointee.channels[c].user_line_stride = Int32(width * entries.count * bytesPerComponent)
                    decoder.pointee.channels[c].user_bytes_per_element = Int16(bytesPerComponent)
                    decoder.pointee.channels[c].user_data_type = UInt16(type.rawValue)
                }
                if !initialized {
                    try stream.check(
                        exr_decoding_choose_default_routines(context, 0, decoder), path, "cannot be decoded")
                    initialized = true
                }
                try stream.check(exr_decoding_run(context, 0, decoder), path, "has damaged pixel data")
            }
        }
        let image: AnyImage =
            type == EXR_PIXEL_HALF
            ? .float16(
                try Image(
                    width: width, height: height, channels: order.count,
                    pixels: raw.withUnsafeBytes { Array($0.bindMemory(to: Float16.self)) }))
            : .float32(
                try Image(
                    width: width, height: height, channels: order.count,
                    pixels: raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }))
        return ImageAsset(
            image: image, channelNames: order, attributes: try Self.attributes(context, stream: stream, path: path))
    }

    /// Channels come back sorted by name; we interleave R, G, B, A (and Y) in that order.
    static func interleaveOrder(_ names: [String]) -> [String] {
        let rank = ["Y": 0, "R": 1, "G": 2, "B": 3, "A": 4]
        return names.sorted { (rank[$0] ?? 5, $0) < (rank[$1] ?? 5, $1) }
    }

    private static func attributes(_ context: exr_context_t, stream: EXRStream, path: String) throws -> [String:
        ImageAttribute]
    {
        var count: Int32 = 0
        try stream.check(exr_get_attribute_count(context, 0, &count), path, "has an unreadable header")
        var out: [String: ImageAttribute] = [:]
        for i in 0..<count {
            var attribute: UnsafePointer<exr_attribute_t>? = nil
            try stream.check(
                exr_get_attribute_by_index(context, 0, EXR_ATTR_LIST_FILE_ORDER, i, &attribute), path,
                "has an unreadable header")
            guard let a = attribute?.pointee else { continue }
            let name = String(cString: a.name)
            guard !requiredAttributes.contains(name) else { continue }
            if a.type == EXR_ATTR_STRING, let s = a.string {
                out[name] = .string(
                    String(
                        decoding: UnsafeBufferPointer(start: s.pointee.str, count: Int(s.pointee.length)).map {
                            UInt8(bitPattern: $0)
                        }, as: UTF8.self))
            } else if a.type == EXR_ATTR_FLOAT {
                out[name] = .float(a.f)
            }
        }
        return out
    }

    func write(_ asset: ImageAsset, fileName: String, to sink: any FileSink) throws {
        // The pixels are read where they are (a 4096² float map is 67 MB: no copy of it).
        let (type, bytesPerComponent): (exr_pixel_type_t, Int)
        let withPixelBytes: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
        switch asset.image {
        case .float16(let i):
            (type, bytesPerComponent) = (EXR_PIXEL_HALF, 2)
            withPixelBytes = { body in try i.pixels.withUnsafeBytes { try body($0) } }
        case .float32(let i):
            (type, bytesPerComponent) = (EXR_PIXEL_FLOAT, 4)
            withPixelBytes = { body in try i.pixels.withUnsafeBytes { try body($0) } }
        default:
            throw FormatError(
                .unsupported, path: fileName, "OpenEXR stores half or float pixels",
                reason: "got \(asset.image.componentKind.rawValue); convert to float first")
        }
        let (width, height, channels) = (asset.image.width, asset.image.height, asset.image.channels)
        guard asset.channelNames.count == channels, Set(asset.channelNames).count == channels else {
            throw FormatError(
                .invalidAsset, path: fileName, "needs \(channels) distinct channel names, got \(asset.channelNames)")
        }
        let stream = EXRStream(bytes: [])
        // Room for the whole file up front (a chunk never grows past its raw size): appending chunk
        // by chunk would reallocate and copy the growing file, briefly holding it twice.
        stream.bytes.reserveCapacity(
            asset.image.width * asset.image.height * asset.image.channels * bytesPerComponent + (1 << 20))
        var context: exr_context_t? = nil
        var initializer = stream.initializer()
        try stream.check(
            exr_start_write(&context, fileName, EXR_WRITE_FILE_DIRECTLY, &initializer), fileName, "cannot start writing"
        )
        var finished = false
        defer { if !finished { exr_finish(&context) } }
        var part: Int32 = 0
        try stream.check(exr_add_part(context, "main", EXR_STORAGE_SCANLINE, &part), fileName, "cannot add a part")
        try stream.check(
            exr_initialize_required_attr_simple(context, part, Int32(width), Int32(height), EXR_COMPRESSION_ZIP),
            fileName, "cannot set the header")
        for name in asset.channelNames {
            try stream.check(
                exr_add_channel(context, part, name, type, EXR_PERCEPTUALLY_LINEAR, 1, 1), fileName,
                "cannot add channel \(name)")
        }
        for key in asset.attributes.keys.sorted() where !Self.requiredAttributes.contains(key) {
            switch asset.attributes[key]! {
            case .string(let s):
                try stream.check(exr_attr_set_string(context, part, key, s), fileName, "cannot set attribute \(key)")
            case .float(let f):
                try stream.check(exr_attr_set_float(context, part, key, f), fileName, "cannot set attribute \(key)")
            }
        }
        try stream.check(exr_write_header(context), fileName, "cannot write the header")
        var linesPerChunk: Int32 = 0
        try stream.check(exr_get_scanlines_per_chunk(context, part, &linesPerChunk), fileName, "has no chunk layout")
        let encoder = UnsafeMutablePointer<exr_encode_pipeline_t>.allocate(capacity: 1)
        encoder.initialize(to: exr_encode_pipeline_t())
        defer { encoder.deallocate() }
        var initialized = false
        // ZIP through libdeflate (CEXRDeflate) rather than OpenEXR 3.1's zlib: same format,
        // the encode that dominated reconstruct's outputs stage (docs/formats.md).
        guard let compressor = fd_exr_zip_compressor(Self.deflateLevel) else {
            throw FormatError(.writeFailed, path: fileName, "cannot allocate the compressor")
        }
        defer { fd_exr_zip_compressor_free(compressor) }
        try withPixelBytes { buffer in
            defer { if initialized { exr_encoding_destroy(context, encoder) } }
            for y in stride(from: 0, to: height, by: Int(linesPerChunk)) {
                var chunk = exr_chunk_info_t()
                try stream.check(
                    exr_write_scanline_chunk_info(context, part, Int32(y), &chunk), fileName, "cannot plan a chunk")
                if initialized {
                    try stream.check(exr_encoding_update(context, part, &chunk, encoder), fileName, "cannot encode")
                } else {
                    try stream.check(exr_encoding_initialize(context, part, &chunk, encoder), fileName, "cannot encode")
                }
                for c in 0..<Int(encoder.pointee.channel_count) {
                    let name = String(cString: encoder.pointee.channels[c].channel_name)
                    let slot = asset.channelNames.firstIndex(of: name)!
                    encoder.pointee.channels[c].encode_from_ptr =
                        buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                        + ((y * width) * channels + slot) * bytesPerComponent
                    encoder.pointee.channels[c].user_pixel_stride = Int32(channels * bytesPerComponent)
                    encoder.pointee.channels[c].user_line_stride = Int32(width * channels * bytesPerComponent)
                    encoder.pointee.channels[c].user_bytes_per_element = Int16(bytesPerComponent)
                    encoder.pointee.channels[c].user_data_type = UInt16(type.rawValue)
                }
                if !initialized {
                    try stream.check(
                        exr_encoding_choose_default_routines(context, part, encoder), fileName, "cannot encode")
                    encoder.pointee.compress_fn = fd_exr_zip_compress
                    encoder.pointee.encoding_user_data = compressor
                    initialized = true
                }
                try stream.check(exr_encoding_run(context, part, encoder), fileName, "cannot encode")
            }
        }
        finished = true
        try stream.check(exr_finish(&context), fileName, "cannot finish the file")
        try sink.write(stream.bytes, to: fileName)
    }
}

/// In-memory byte stream and error sink for one OpenEXR context (reached through its user data).
final class EXRStream {
    var bytes: [UInt8]
    var lastError: String?

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func initializer() -> exr_context_initializer_t {
        var i = exr_context_initializer_t()
        // EXR_DEFAULT_CONTEXT_INITIALIZER does not import (PLATFORM.md): fill it by hand.
        i.size = MemoryLayout<exr_context_initializer_t>.size
        i.zip_level = 1
        i.dwa_quality = -1
        i.user_data = Unmanaged.passUnretained(self).toOpaque()
        i.error_handler_fn = { context, _, message in
            guard let stream = EXRStream.from(context), let message else { return }
            stream.lastError = String(cString: message)
        }
        i.read_fn = { _, user, buffer, size, offset, _ in
            let stream = Unmanaged<EXRStream>.fromOpaque(user!).takeUnretainedValue()
            guard offset <= UInt64(stream.bytes.count) else { return -1 }
            let n = min(Int(size), stream.bytes.count - Int(offset))
            stream.bytes.withUnsafeBytes { buffer!.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: n) }
            return Int64(n)
        }
        i.size_fn = { _, user in Int64(Unmanaged<EXRStream>.fromOpaque(user!).takeUnretainedValue().bytes.count) }
        i.write_fn = { _, user, buffer, size, offset, _ in
            let stream = Unmanaged<EXRStream>.fromOpaque(user!).takeUnretainedValue()
            let end = Int(offset) + Int(size)
            if end > stream.bytes.count { stream.bytes += [UInt8](repeating: 0, count: end - stream.bytes.count) }
            stream.bytes.withUnsafeMutableBytes {
                $0.baseAddress!.advanced(by: Int(offset)).copyMemory(from: buffer!, byteCount: Int(size))
            }
            return Int64(size)
        }
        return i
    }

    static func from(_ context: exr_const_context_t?) -> EXRStream? {
        var user: UnsafeMutableRawPointer? = nil
        guard let context, exr_get_user_data(context, &user) == EXR_ERR_SUCCESS.rawValue, let user else { return nil }
        return Unmanaged<EXRStream>.fromOpaque(user).takeUnretainedValue()
    }

    /// Throws a `FormatError` carrying the library's message when `result` is not success.
    func check(_ result: exr_result_t, _ path: String, _ message: String) throws {
        guard result != EXR_ERR_SUCCESS.rawValue else { return }
        let cause = lastError ?? String(cString: exr_get_default_error_message(result))
        throw FormatError(.malformed, path: path, message, reason: cause)
    }
}

extension FormatDescriptor {
    public static let openEXR = FormatDescriptor(
        id: "exr", summary: "OpenEXR scanline, half or float, 1–4 channels, ZIP", kind: .image, extensions: ["exr"],
        capabilities: [.float16, .float32, .attributes], backend: "OpenEXR Core 3.1",
        sniff: { $0.starts(with: [0x76, 0x2f, 0x31, 0x01]) },
        imageReader: OpenEXRCodec(), imageWriter: OpenEXRCodec())
}

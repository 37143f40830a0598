/// How a safetensors file stores one tensor's elements. The engine computes in float32; other
/// types convert on reading and writing the way PyTorch's `load_state_dict` copies across dtypes:
/// floats round to the nearest float32, integers must be exactly representable (|v| ≤ 2²⁴), so
/// that a counter such as BatchNorm's `num_batches_tracked` (int64) round-trips unchanged.
public enum StorageType: String, Sendable, CaseIterable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u64 = "U64"
    case u32 = "U32"
    case u16 = "U16"
    case u8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool: 1
        }
    }

    var isInteger: Bool { ![.f64, .f32, .f16, .bf16].contains(self) }

    /// The largest integer magnitude a float32 holds exactly.
    static let exactIntegerLimit: Double = 16_777_216

    /// Element i of little-endian `bytes` starting at `start`, as float32; nil for an integer that
    /// float32 cannot hold exactly.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Float? {
        var bits: UInt64 = 0
        for k in 0..<size { bits |= UInt64(bytes[start + k]) << (8 * UInt64(k)) }
        switch self {
        case .f32: return Float(bitPattern: UInt32(bits))
        case .f64: return Float(Double(bitPattern: bits))
        case .f16: return Float(Float16(bitPattern: UInt16(bits)))
        case .bf16: return Float(bitPattern: UInt32(bits) << 16)
        default:
            let value: Double
            switch self {
            case .i64: value = Double(Int64(bitPattern: bits))
            case .i32: value = Double(Int32(truncatingIfNeeded: bits))
            case .i16: value = Double(Int16(truncatingIfNeeded: bits))
            case .i8: value = Double(Int8(truncatingIfNeeded: bits))
            default: value = Double(bits)  // unsigned and bool
            }
            return abs(value) <= Self.exactIntegerLimit ? Float(value) : nil
        }
    }

    /// The little-endian bytes of `value` in this type; integers are rounded to the nearest.
    func encode(_ value: Float, into out: inout [UInt8]) {
        let bits: UInt64
        switch self {
        case .f32: bits = UInt64(value.bitPattern)
        case .f64: bits = Double(value).bitPattern
        case .f16: bits = UInt64(Float16(value).bitPattern)
        case .bf16:
            // Round to nearest even on the dropped 16 bits; NaN stays NaN.
            let b = value.bitPattern
            bits = value.isNaN ? 0x7FC0 : UInt64((b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
        case .bool: bits = value != 0 ? 1 : 0
        default: bits = UInt64(bitPattern: Int64(value.rounded()))
        }
        for k in 0..<size { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
    }
}

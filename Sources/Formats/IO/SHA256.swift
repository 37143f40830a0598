import CCrypto
import Foundation

/// SHA-256 (FIPS 180-4) for manifest checksums, of inputs and of every written file, through
/// OpenSSL's libcrypto (its assembly kernels use the CPU's SHA or AVX2 instructions). The bytes are
/// hashed where they lie, without a copy.
public enum SHA256 {
    /// Lower-case hexadecimal digest of `bytes`.
    public static func hex(_ bytes: some ContiguousBytes) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBytes { buffer in
            // A null pointer with length 0 is valid input to OpenSSL; the empty message hashes as such.
            _ = CCrypto.SHA256(buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count, &digest)
        }
        return digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
